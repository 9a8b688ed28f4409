/**
 * Core types of the pure analyzer. Nothing here imports `vscode` or the LSP libraries.
 */
import type { Dialect, LockBlocks, LockMode, Severity, TableLock, TableLockEntry, TableSize } from '../protocol';
import type { SchemaHistory } from './history';

export type { Dialect, LockBlocks, LockMode, Severity, TableLock, TableLockEntry, TableSize };

/**
 * What kind of migration source a document is: plain SQL, a Knex module, an Alembic revision (`.py`), or a
 * node-pg-migrate module (JavaScript/TypeScript using `pgm.*`).
 */
export type SourceKind = 'sql' | 'knex' | 'alembic' | 'node-pg-migrate';

/**
 * One finding. Offsets are UTF-16 code-unit indices into the analyzed text (JavaScript string
 * indices), `start` inclusive, `end` exclusive, so `text.slice(start, end)` is the offending code.
 * Parsers that report UTF-8 byte offsets (libpg-query) convert before building a Finding.
 */
export interface Finding {
  /** Stable rule id, e.g. `ban-drop-table`. */
  ruleId: string;
  severity: Severity;
  /** One sentence: what is dangerous here. */
  message: string;
  start: number;
  end: number;
  /** The safe alternative, shown in hovers; optional. */
  help?: string;
  /** A mechanical fix, when one exists: applying its edits removes this finding without adding a syntax error. */
  fix?: Fix;
  /** PostgreSQL: the table lock the finding's statement takes, from the one lock table (lint/locks.ts). */
  lock?: TableLock;
  /** The table the finding is about, `schema.table` as written, when it is about one (table sizes are looked up by it). */
  table?: string;
  /** The table's size from table statistics (`check --stats`), when given and known for {@link table}. */
  tableSize?: TableSize;
}

/** One text replacement: `text.slice(0, start) + newText + text.slice(end)`; UTF-16 offsets into the analyzed text. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/**
 * A mechanical fix for a {@link Finding}, e.g. "Add CONCURRENTLY". Edits never overlap and refer to the original
 * text; apply them from the last to the first (descending `start`).
 */
export interface Fix {
  /** Short imperative title for a code action, e.g. `Add IF NOT EXISTS`. */
  title: string;
  edits: TextEdit[];
}

/** Options for {@link analyze}. */
export interface AnalyzeOptions {
  /** File name or path; its extension picks the source kind (`.sql` → SQL, `.js/.ts/.cjs/.mjs` → Knex). */
  fileName: string;
  /** SQL dialect; default `postgresql`. */
  dialect?: Dialect;
  /** Force the source kind instead of inferring it from the file name. */
  kind?: SourceKind;
  /**
   * Per-rule severity overrides (`'off'` disables the rule), e.g. from the project config.
   * Rules not listed keep their default severity.
   */
  rules?: Readonly<Record<string, Severity | 'off'>>;
  /**
   * Major version of the PostgreSQL server the migrations run on (`.migration-guard.json` `postgresVersion`);
   * default {@link DEFAULT_POSTGRES_VERSION}. Rules whose lock or rewrite behaviour changed between versions use it.
   */
  postgresVersion?: number;
  /**
   * For a rollback script (`*.down.sql`): the text of its `*.up.sql`, so that a statement in it that undoes one of
   * `up` (re-creates a dropped index, restores a changed type, renames back) is known as such. The lint driver reads
   * it from beside the file; without it those statements are judged alone.
   */
  upCounterpart?: string;
  /**
   * What the earlier migrations of the folder did (column types, NOT NULL), in the order the runner applies them:
   * rules then know the old type of a column another file declared (narrowing vs widening) and whether NOT NULL was
   * there already. Read only; see `analyzeInFolder` to add the file's own changes after it.
   */
  history?: SchemaHistory;
}

/** PostgreSQL major version assumed when none is configured. */
export const DEFAULT_POSTGRES_VERSION = 15;

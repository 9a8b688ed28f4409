/**
 * Preview (dry run): runs the pending migrations' `up(trx)` (or, for a downgrade, the applied ones' `down(trx)`) inside ONE transaction while recording
 * every query Knex sends on that transaction's connection (`knex.on('query')`, filtered by the
 * connection's `__knexUid`, since nested transactions get new `__knexTxId`s), then ROLLS BACK.
 * SQLite and PostgreSQL only: MySQL and others commit DDL implicitly, so they are never run.
 * A migration with `config.transaction === false` (or `disableTransactions`) or containing
 * CONCURRENTLY is not run, and neither is anything after it (its SQL may depend on it).
 * Why this way: Knex has no dry run, and `toSQL()` is no substitute because the SQLite table rebuild
 * (`_knex_temp_alter…`) is generated at run time. Checked with knex 3.3.0 on SQLite and PostgreSQL 15
 * (test/engine/preview.test.ts): the recorded SQL is what a real run sends, the SQLite rebuild included. The rollback
 * still advances PostgreSQL sequences (`nextval` is never rolled back, PostgreSQL docs "Sequence Manipulation
 * Functions"). The connection filter follows
 * knex 3.3.0 lib/execution/transaction.js and lib/execution/runner.js.
 */
import { readFile } from 'node:fs/promises';
import type { Knex } from 'knex';
import type { MigrationPreview, PreflightFinding } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { silentLog, type EngineLog } from '../db';
import { errorMessage } from '../errors';
import { loadAsKnex } from './load-check';
import { schemaEffects } from './effects';
import { dropColumnFindings, droppedColumns, emptySnapshot, preflightFromSource, preflightFromSql, snapshotTables, type DroppedColumn, type TableSnapshot } from './preflight';

/** A pending migration to preview: its name (as Knex records it) and absolute file. */
export interface PreviewTarget {
  name: string;
  file: string | null;
}

/** Options of {@link previewPending}. */
export interface PreviewOptions {
  log?: EngineLog;
  /** `up` (default): pending migrations in run order; `down`: applied migrations in the order a downgrade undoes them. */
  direction?: 'up' | 'down';
}

/** Result of {@link previewPending}. */
export interface PreviewOutcome {
  preview: MigrationPreview[];
  preflight: PreflightFinding[];
}

interface MigrationModule {
  up?: (knex: Knex) => unknown;
  down?: (knex: Knex) => unknown;
  config?: { transaction?: boolean };
}

/**
 * Loads a migration module as Knex does (load-check.ts {@link loadAsKnex}: `import()` within `timeoutMs` for an ES
 * module, `require()` otherwise), unwrapping a default export.
 * @throws EngineError `knexfile-load` naming the file when an import does not settle in time; else what loading throws.
 */
async function loadMigration(file: string, timeoutMs: number): Promise<MigrationModule> {
  const mod = (await loadAsKnex(file, timeoutMs)) as MigrationModule & { default?: MigrationModule };
  return mod.up ? mod : (mod.default ?? mod);
}

/** `findings` grouped by migration in run order (`order`), each migration's findings kept in the order they were found. */
function inMigrationOrder(order: string[], findings: PreflightFinding[]): PreflightFinding[] {
  const rank = new Map(order.map((name, i) => [name, i]));
  return findings.map((f, i) => ({ f, i })).sort((a, b) => (rank.get(a.f.migration) ?? 0) - (rank.get(b.f.migration) ?? 0) || a.i - b.i).map((x) => x.f);
}

const TX_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b[^;]*;?\s*$/i;
const MARKER = 'select 1 /* migration-guard preview marker */';

/**
 * Previews `targets` (pending migrations in run order; with `direction: 'down'`, applied migrations in the order a
 * downgrade undoes them) and computes the pre-flight findings.
 * `db` is an open Knex on the project's database, or null when the SQLite file does not exist yet
 * (then an empty in-memory SQLite database is used, so nothing is created on disk). Never writes:
 * everything runs in a transaction that is rolled back. Sequences may still advance on PostgreSQL.
 * Never throws for a migration's own error: it is reported in `error` and the preview stops there.
 */
export async function previewPending(db: Knex | null, project: LoadedProject, targets: PreviewTarget[], options: PreviewOptions = {}): Promise<PreviewOutcome> {
  const log = options.log ?? silentLog;
  const direction = options.direction ?? 'up';
  const preview: MigrationPreview[] = [];
  const preflight: PreflightFinding[] = [];
  if (project.family === 'other') {
    for (const t of targets) preview.push({ migration: t.name, sql: [], previewable: false, reason: `Client '${project.client}' is not previewed: MySQL and other databases commit DDL implicitly, so a rolled-back preview would still change the schema (SQLite and PostgreSQL only).` });
    return { preview, preflight };
  }
  let ownDb: Knex | null = null;
  if (!db) {
    ownDb = project.knex.factory({ ...project.knexConfig, connection: { filename: ':memory:' }, pool: { min: 1, max: 1 } });
    db = ownDb;
    log('info', 'The SQLite database does not exist yet: previewing on an empty in-memory database.');
  }
  try {
    const disableAll = (project.knexConfig.migrations as { disableTransactions?: boolean } | undefined)?.disableTransactions === true;
    // Decide what may run before opening the transaction.
    const plan: Array<{ t: PreviewTarget; mod: MigrationModule | null; source: string; skip?: string }> = [];
    let blocker: string | null = null;
    for (const t of targets) {
      const source = t.file ? await readFile(t.file, 'utf8').catch(() => '') : '';
      if (blocker) {
        plan.push({ t, mod: null, source, skip: `Not run: it comes after ${blocker}, which cannot be previewed, and may depend on it.` });
        continue;
      }
      let mod: MigrationModule | null = null;
      let skip: string | undefined;
      if (!t.file) skip = 'Not run: the migration file is missing.';
      else {
        try {
          mod = await loadMigration(t.file, project.timeouts.loadMs);
          if (typeof mod[direction] !== 'function') skip = `Not run: the module exports no ${direction}() function.`;
        } catch (err) {
          skip = `Not run: the file could not be loaded: ${errorMessage(err)}`;
        }
      }
      if (!skip && (disableAll || mod?.config?.transaction === false)) {
        skip = `Not previewable: it runs without a transaction (${disableAll ? 'migrations.disableTransactions' : 'config.transaction = false'}), so it cannot be rolled back.`;
      } else if (!skip && /\bconcurrently\b/i.test(source)) {
        skip = 'Not previewable: it uses CONCURRENTLY, which cannot run inside a transaction block.';
      }
      if (skip) blocker = t.name;
      plan.push({ t, mod, source, ...(skip ? { skip } : {}) });
    }

    const runnable = plan.filter((p) => !p.skip);
    let live: TableSnapshot = emptySnapshot();
    if (runnable.length === 0) {
      live = await snapshotTables(db, project.family, true);
    } else {
      const trx = await db.transaction();
      const dropped: DroppedColumn[] = [];
      let uid: string | undefined;
      let bucket: string[] | null = null;
      const onQuery = (q: { sql?: string; bindings?: unknown[]; __knexUid?: string }) => {
        if (typeof q.sql !== 'string') return;
        if (q.sql === MARKER) {
          uid = q.__knexUid;
          return;
        }
        if (!bucket || !uid || q.__knexUid !== uid || TX_CONTROL.test(q.sql)) return;
        bucket.push(q.bindings && q.bindings.length > 0 ? trx.raw(q.sql, q.bindings as Knex.RawBinding[]).toString() : q.sql);
      };
      db.on('query', onQuery);
      try {
        await trx.raw(MARKER);
        live = await snapshotTables(trx, project.family, true);
        let before = live;
        let stopped: string | null = null;
        for (const p of plan) {
          if (p.skip || stopped) {
            preview.push({ migration: p.t.name, sql: [], previewable: false, reason: p.skip ?? `Not run: the preview stopped at ${stopped}, which failed.` });
            if (p.skip) preflight.push(...preflightFromSource(p.t.name, p.source, before));
            continue;
          }
          const sql: string[] = [];
          bucket = sql;
          let error: string | undefined;
          try {
            await (p.mod?.[direction] as (k: Knex) => unknown)(trx);
          } catch (err) {
            error = errorMessage(err);
          }
          bucket = null;
          if (error) {
            stopped = p.t.name;
            // Statement-based findings still apply (e.g. the ADD COLUMN that failed because the column exists).
            preflight.push(...preflightFromSql(p.t.name, sql, before, before, live));
            preview.push({ migration: p.t.name, sql, previewable: true, error, reason: 'It failed inside the preview transaction; nothing after it was run.' });
            continue;
          }
          const after = await snapshotTables(trx, project.family, true);
          preflight.push(...preflightFromSql(p.t.name, sql, before, after, live));
          dropped.push(...droppedColumns(p.t.name, sql, before, after));
          preview.push({ migration: p.t.name, sql, previewable: true, effects: schemaEffects(before, after) });
          before = after;
        }
      } finally {
        bucket = null;
        db.off('query', onQuery);
        await trx.rollback().catch(() => {});
        log('info', `Preview of ${runnable.length} migration(s) rolled back.`);
      }
      // Counted after the rollback, on the data as it is now: inside the transaction the columns are already gone.
      return { preview, preflight: inMigrationOrder(plan.map((p) => p.t.name), [...preflight, ...(await dropColumnFindings(db, dropped, live))]) };
    }
    for (const p of plan) {
      preview.push({ migration: p.t.name, sql: [], previewable: false, ...(p.skip ? { reason: p.skip } : {}) });
      preflight.push(...preflightFromSource(p.t.name, p.source, live));
    }
    return { preview, preflight };
  } finally {
    if (ownDb) await ownDb.destroy();
  }
}

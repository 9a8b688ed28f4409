/**
 * Drift that would make a pending migration fail, found before the upgrade backs up or applies anything.
 *
 * Two steps, so that an upgrade without drift pays almost nothing:
 * 1. Cheap signal: the live catalog's table, column and index names (one read); the pending files a word scan says
 *    may conflict ({@link mayConflict}) are parsed into the lint model (the analyzer's operations: createTable, addColumn,
 *    createIndex, …, `up` only), and their operations are played, in order, over the catalog. A conflict is an
 *    object a migration creates that already exists (a table, a column, an index name) or a table it alters that
 *    does not exist.
 * 2. Only when there is a conflict: the drift check of `validate` (schema/drift.ts: the applied migrations replayed in a
 *    scratch database). Conflicts explained by drift items (an `extra-column` for the column a migration adds, …)
 *    refuse the upgrade with `drift-conflict`. A conflict no drift explains is left to the migration (it fails and
 *    Knex rolls the batch back, as before); a warning says so.
 * Why the lint model and not the pre-flight's rolled-back run: the pre-flight applies every pending migration in a
 * transaction (a real cost on big tables) and only runs when a destructive statement asks for it; the names a
 * migration creates are in its text, parsed once more in milliseconds.
 */
import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import type { Operation } from '../../lint';
import type { Dialect, DriftItem, MigrationStatusEntry } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { silentLog, type EngineLog } from '../db';
import { EngineError } from '../errors';
import { initLint } from '../lint-files';
import { toolingTables } from '../schema/model';
import { checkSchema } from '../schema/drift';

/** One object a pending migration would trip over. */
export interface PendingConflict {
  migration: string;
  table: string;
  column?: string;
  index?: string;
  /** What the migration does and what the database has, one clause. */
  message: string;
}

/** Live table names with their column names, and index names (normalised: lower-case on SQLite). */
export interface Catalog {
  tables: Map<string, Set<string>>;
  indexes: Set<string>;
}

async function readCatalog(db: Knex, project: LoadedProject, norm: (s: string) => string): Promise<Catalog> {
  const skip = toolingTables(project.migrations.tableName);
  const tables = new Map<string, Set<string>>();
  const indexes = new Set<string>();
  let cols: Array<{ t: string; c: string }>;
  let idx: Array<{ n: string }>;
  if (project.family === 'sqlite') {
    cols = (await db.raw("select m.name as t, p.name as c from sqlite_schema m join pragma_table_info(m.name) p where m.type = 'table' and m.name not like 'sqlite\\_%' escape '\\'")) as typeof cols;
    idx = (await db.raw("select name as n from sqlite_schema where type = 'index'")) as typeof idx;
  } else {
    cols = ((await db.raw('select table_name as t, column_name as c from information_schema.columns where table_schema = current_schema()')) as { rows: typeof cols }).rows;
    idx = ((await db.raw('select indexname as n from pg_catalog.pg_indexes where schemaname = current_schema()')) as { rows: typeof idx }).rows;
  }
  for (const { t, c } of cols) {
    if (skip.has(t)) continue;
    const key = norm(t);
    if (!tables.has(key)) tables.set(key, new Set());
    tables.get(key)?.add(norm(c));
  }
  for (const { n } of idx) indexes.add(norm(n));
  return { tables, indexes };
}

/** Builder calls and SQL that name a table they create, drop or rename (group 2 / 3: the name). */
const TABLE_DDL = /\b(?:createTable(?:IfNotExists)?|dropTable(?:IfExists)?|renameTable)\s*\(\s*(['"`])([^'"`]+)\1|\b(?:CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE(?:\s+IF\s+NOT\s+EXISTS)?|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|RENAME\s+TO)\s+([\w$."`[\]]+)/gi;
/** Builder calls and SQL that alter a table (group 2 / 3: the name). */
const TABLE_ALTER = /\b(?:alterTable|table)\s*\(\s*(['"`])([^'"`]+)\1|\bALTER\s+TABLE(?:\s+IF\s+EXISTS)?(?:\s+ONLY)?\s+([\w$."`[\]]+)/gi;
/** A schema builder call whose table is not a string literal (a variable, a template): the signal cannot read it. */
const UNREAD_TABLE = /\b(?:createTable(?:IfNotExists)?|alterTable|table|dropTable(?:IfExists)?|renameTable)\s*\(\s*(?!['"`)])/;

function tableNames(text: string, re: RegExp, norm: (s: string) => string): string[] {
  return [...text.matchAll(re)].map((m) => norm((m[2] ?? m[3] ?? '').split('.').pop()?.replace(/^["`[]|["`\]]$/g, '') ?? ''));
}

/**
 * Whether a pending file may create what the live database has, or alter a table it lacks (a word scan; parsing is
 * the cost here, about 2–5 ms a file). True when it names a live index; creates, drops or renames a live table;
 * alters a live table and names one of its columns; alters a table the database lacks and no pending file creates
 * (`plannedTables`); or names a table in a way the scan cannot read (then it is parsed, as the analyzer can resolve more).
 */
export function mayConflict(text: string, catalog: Catalog, norm: (s: string) => string, plannedTables: ReadonlySet<string> = new Set()): boolean {
  if (UNREAD_TABLE.test(text)) return true;
  const words = new Set((text.match(/[A-Za-z_][\w$]*/g) ?? []).map(norm));
  if ([...words].some((w) => catalog.indexes.has(w))) return true;
  if (tableNames(text, TABLE_DDL, norm).some((t) => catalog.tables.has(t))) return true;
  return tableNames(text, TABLE_ALTER, norm).some((t) => {
    const cols = catalog.tables.get(t);
    return cols ? [...cols].some((c) => words.has(c)) : !plannedTables.has(t);
  });
}

/** Tables the pending files create, drop or rename by a name the scan reads (a table altered after them is not missing). */
function plannedTableNames(texts: string[], norm: (s: string) => string): Set<string> {
  return new Set(texts.flatMap((t) => tableNames(t, TABLE_DDL, norm)));
}

/** The `up` operations of the pending files that {@link mayConflict} (files Knex cannot parse yield none). */
async function pendingOperations(targets: MigrationStatusEntry[], dialect: Dialect, catalog: Catalog, norm: (s: string) => string): Promise<{ files: Array<{ name: string; ops: Operation[] }>; planned: Set<string> }> {
  const all = targets.filter((m) => m.file).map((m) => ({ name: m.name, file: m.file as string, text: readFileSync(m.file as string, 'utf8') }));
  const planned = plannedTableNames(all.map((f) => f.text), norm);
  const named = all.filter((f) => mayConflict(f.text, catalog, norm, planned));
  if (named.length === 0) return { files: [], planned };
  const lint = await import('../../lint');
  await initLint(lint, dialect);
  const files = named.map((f) => {
    const doc = lint.parseDocument(f.text, { fileName: f.file, dialect, ...(lint.inferSourceKind(f.file) === 'knex' ? { kind: 'knex' as const } : {}) });
    return { name: f.name, ops: doc.operations.filter((op) => op.phase !== 'down') };
  });
  return { files, planned };
}

/**
 * Plays the pending operations over the live catalog and returns what would fail. Pure but for the catalog read.
 * Schema-qualified operations are left out (the catalog is the current schema's).
 */
export async function findPendingConflicts(db: Knex, project: LoadedProject, targets: MigrationStatusEntry[]): Promise<PendingConflict[]> {
  const norm = project.family === 'sqlite' ? (s: string) => s.toLowerCase() : (s: string) => s;
  const catalog = await readCatalog(db, project, norm);
  if (catalog.tables.size === 0 && catalog.indexes.size === 0) return [];
  const { files, planned } = await pendingOperations(targets, project.dialect, catalog, norm);
  const { tables, indexes } = catalog;
  const out: PendingConflict[] = [];
  for (const { name, ops } of files) {
    for (const op of ops) {
      if ('schema' in op && op.schema) continue;
      const table = 'table' in op ? op.table : '';
      const t = norm(table);
      const cols = tables.get(t);
      // A table some pending file creates (maybe one not parsed) is not reported missing.
      const missing = () => void (planned.has(t) || out.push({ migration: name, table, message: `${name} alters table ${table}, which does not exist` }));
      switch (op.type) {
        case 'createTable':
          if (cols && !op.ifNotExists) out.push({ migration: name, table, message: `${name} creates table ${table}, which already exists` });
          tables.set(t, new Set(op.columns.map((c) => norm(c.name))));
          break;
        case 'dropTable':
          tables.delete(t);
          break;
        case 'renameTable':
          if (cols) {
            tables.delete(t);
            tables.set(norm(op.newName), cols);
          } else missing();
          break;
        case 'addColumn':
          if (!cols) missing();
          else if (cols.has(norm(op.column)) && !op.ifNotExists) out.push({ migration: name, table, column: op.column, message: `${name} adds column ${table}.${op.column}, which already exists` });
          cols?.add(norm(op.column));
          break;
        case 'dropColumn':
        case 'alterColumnType':
        case 'renameColumn':
          if (!cols) missing();
          else if (!cols.has(norm(op.column))) out.push({ migration: name, table, column: op.column, message: `${name} alters column ${table}.${op.column}, which does not exist` });
          else if (op.type === 'dropColumn') cols.delete(norm(op.column));
          else if (op.type === 'renameColumn') {
            cols.delete(norm(op.column));
            cols.add(norm(op.newName));
          }
          break;
        case 'createIndex':
          if (op.index && indexes.has(norm(op.index)) && !op.ifNotExists) out.push({ migration: name, table, index: op.index, message: `${name} creates index ${op.index}, a name already taken` });
          if (op.index) indexes.add(norm(op.index));
          break;
        case 'dropIndex':
          indexes.delete(norm(op.index));
          break;
        default:
          break;
      }
    }
  }
  return out;
}

/** Drift items that explain a conflict: the same index, the same column, or the table itself created or dropped outside the migrations. */
function explaining(c: PendingConflict, drift: DriftItem[]): DriftItem[] {
  return drift.filter((d) => {
    if (c.index) return d.index === c.index;
    if (d.table !== c.table) return false;
    if (d.kind === 'extra-table' || d.kind === 'missing-table') return true;
    return c.column !== undefined && d.column === c.column;
  });
}

/**
 * The upgrade's drift step: refuses when drift would make a pending migration fail. Runs the drift check only when
 * {@link findPendingConflicts} finds a conflict.
 * @throws EngineError `drift-conflict` naming each conflict and the drift items behind it (nothing written).
 */
export async function refuseDriftConflicts(db: Knex, project: LoadedProject, targets: MigrationStatusEntry[], log: EngineLog = silentLog): Promise<void> {
  if (project.family === 'other') return;
  const conflicts = await findPendingConflicts(db, project, targets);
  if (conflicts.length === 0) return;
  log('info', `A pending migration would trip over the database (${conflicts.map((c) => c.message).join('; ')}): checking the schema for drift…`);
  const schema = await checkSchema(db, project, log);
  const explained = conflicts.map((c) => ({ c, items: explaining(c, schema.drift) })).filter((x) => x.items.length);
  for (const c of conflicts.filter((x) => !explained.some((e) => e.c === x))) log('warn', `${c.message}; no drift explains it, so the migration will probably fail (Knex then rolls the batch back).`);
  if (explained.length === 0) return;
  const lines = explained.map(({ c, items }) => `${c.message}: ${items.map((d) => `${d.kind} ${d.table}${d.column ? `.${d.column}` : ''}${d.index ? ` (index ${d.index})` : ''}: ${d.message}`).join(' ')}`);
  throw new EngineError(
    'drift-conflict',
    `The database has drifted from its migrations in a way that would make the upgrade fail: ${lines.join('; ')}. Nothing was written and no backup was taken.`,
    'Bring the migrations and the database in line first: migration-guard validate --write-migration <name> writes a migration of the drift for review; or undo the change by hand; or, when the database already has what the pending migration makes, record that migration with migration-guard mark-applied <migration>. Then upgrade again.',
  );
}

/**
 * node-pg-migrate and plain SQL folders (golang-migrate, dbmate, Flyway), read-only (issue 16): the migration
 * files, and which are applied from the runner's own table when the database (`DATABASE_URL`, the variable
 * these tools read by default) is reachable. Otherwise every file is `unknown` and `stateKnown` is false —
 * never "up to date". Tables read (through readonly-db.ts, which cannot write):
 * - node-pg-migrate: `pgmigrations(id, name, run_on)`, one row per applied file name (node-pg-migrate README,
 *   "migrations-table" default).
 * - golang-migrate: `schema_migrations(version bigint, dirty boolean)`, ONE row: the current version; files up
 *   to it are applied; `dirty = true` means a migration failed halfway (golang-migrate docs, "FAQ → dirty").
 * - dbmate: `schema_migrations(version varchar)`, one row per applied version.
 * - Flyway: `flyway_schema_history(version, script, success)`; `success = false` is a failed migration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { migrationVersion } from '../../lint/graph/revision-graph';
import type { DiscoveredProject, FolderMigration, FolderStateProblem, FolderStateResult } from '../../protocol';
import { errorMessage } from '../errors';
import { maskText } from '../mask';
import { withReadOnly, type ReadOnlyDb, type ReadOnlyTarget } from './readonly-db';

interface FileMigration {
  name: string;
  version: string | null;
  file: string;
}

/** The migrations of a folder as its runner sees them (sorted by version, then name). */
export function folderMigrations(project: Pick<DiscoveredProject, 'runner' | 'flavor' | 'migrationsDirectory'>): FileMigration[] {
  let names: string[];
  try {
    names = fs.readdirSync(project.migrationsDirectory).sort();
  } catch {
    return [];
  }
  const out = new Map<string, FileMigration>();
  for (const n of names) {
    const file = path.join(project.migrationsDirectory, n);
    if (project.runner === 'node-pg-migrate') {
      // node-pg-migrate records the file name without its extension.
      if (!/\.(js|cjs|mjs|ts|sql)$/.test(n) || /\.d\.ts$/.test(n)) continue;
      const name = n.replace(/\.[^.]+$/, '');
      out.set(name, { name, version: migrationVersion(n)?.version ?? null, file });
      continue;
    }
    if (!/\.sql$/i.test(n)) continue;
    if (project.flavor === 'flyway' && !/^V/.test(n)) continue; // undo (U) and repeatable (R) scripts are not versions
    if (project.flavor === 'golang-migrate' && !/\.up\.sql$/i.test(n)) continue; // the .down.sql of a version is its undo
    const v = migrationVersion(n);
    if (!v) continue;
    const name = n.replace(/\.up\.sql$|\.sql$/i, '');
    out.set(name, { name, version: v.version, file });
  }
  return [...out.values()].sort(byVersion);
}

/** Orders by version, numerically part by part (`1` < `1.1` < `2` < `10`), then by name. */
function byVersion(a: FileMigration, b: FileMigration): number {
  const pa = (a.version ?? '').split('.');
  const pb = (b.version ?? '').split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const part = (p: string | undefined) => BigInt(p === undefined ? -1 : p.replace(/\D/g, '') || '0');
    const x = part(pa[i]);
    const y = part(pb[i]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The database of a URL these tools take: `postgres://…` / `postgresql://…`, or SQLite as
 * `sqlite3://path` (golang-migrate), `sqlite:path` / `sqlite:///abs` (dbmate); relative SQLite paths against
 * `base`. Undefined for another scheme.
 */
export function targetOfUrl(url: string, base: string): ReadOnlyTarget | undefined {
  const u = url.trim();
  if (/^postgres(ql)?:\/\//i.test(u)) return { kind: 'postgresql', connectionString: u };
  const m = /^sqlite3?:(?:\/\/)?([^?]*)/i.exec(u);
  if (!m || m[1] === '') return undefined;
  return { kind: 'sqlite', file: path.resolve(base, m[1]!) };
}

/** The table a runner records applied migrations in. */
function tableOf(project: Pick<DiscoveredProject, 'runner' | 'flavor' | 'migrationsTable'>): string {
  if (project.runner === 'node-pg-migrate') return project.migrationsTable ?? 'pgmigrations';
  return project.flavor === 'flyway' ? 'flyway_schema_history' : 'schema_migrations';
}

const versionKey = (v: string): string => v.split('.').map((p) => p.replace(/^0+(?=\d)/, '')).join('.');

interface Applied {
  /** Applied file names (node-pg-migrate) or versions (others, normalised by versionKey). */
  applied: Set<string>;
  problems: FolderStateProblem[];
  /** golang-migrate's single version; null when nothing is applied. */
  goVersion?: string | null;
}

async function readApplied(db: ReadOnlyDb, project: Pick<DiscoveredProject, 'runner' | 'flavor'>, table: string): Promise<Applied> {
  const problems: FolderStateProblem[] = [];
  if (!(await db.tableExists(table))) return { applied: new Set(), problems, goVersion: null };
  if (project.runner === 'node-pg-migrate') {
    return { applied: new Set((await db.all(`select name from ${table} order by id`)).map((r) => String(r.name))), problems };
  }
  if (project.flavor === 'flyway') {
    const rows = await db.all(`select version, script, success from ${table} where version is not null order by installed_rank`);
    for (const r of rows) {
      if (r.success === false || r.success === 0) problems.push({ severity: 'error', code: 'failed', message: `Flyway recorded version ${String(r.version)} (${String(r.script)}) as failed: repair the database, then run \`flyway repair\`.` });
    }
    return { applied: new Set(rows.filter((r) => r.success === true || r.success === 1).map((r) => versionKey(String(r.version)))), problems };
  }
  const columns = await db.columns(table);
  if (project.flavor === 'golang-migrate') {
    if (!columns.includes('dirty')) throw new Error(`${table} has no dirty column: it is not golang-migrate's table (columns: ${columns.join(', ')}).`);
    const rows = await db.all(`select version, dirty from ${table}`);
    const row = rows[0];
    if (!row) return { applied: new Set(), problems, goVersion: null };
    const version = String(row.version);
    if (row.dirty === true || row.dirty === 1) {
      problems.push({ severity: 'error', code: 'dirty', message: `schema_migrations is at version ${version} and dirty: that migration failed halfway. Fix the database by hand, then run \`migrate force <version>\`; nothing is applied until then.` });
    }
    return { applied: new Set(), problems, goVersion: version };
  }
  // dbmate: one row per applied version.
  return { applied: new Set((await db.all(`select version from ${table}`)).map((r) => versionKey(String(r.version)))), problems };
}

/**
 * The state of a node-pg-migrate project or a plain SQL folder from its files and, when `DATABASE_URL` (in
 * `env`) names a reachable SQLite or PostgreSQL database, the runner's table. Reads only. Never throws: an
 * unreachable database gives `stateKnown: false`, every file `unknown` and the reason (password masked).
 */
export async function getFolderState(project: DiscoveredProject, env: NodeJS.ProcessEnv = process.env): Promise<FolderStateResult> {
  const files = folderMigrations(project);
  const table = tableOf(project);
  const urlVariable = project.databaseUrlVariable ?? 'DATABASE_URL';
  const url = env[urlVariable];
  const base: Omit<FolderStateResult, 'stateKnown' | 'migrations' | 'current' | 'problems'> = {
    runner: project.runner === 'node-pg-migrate' ? 'node-pg-migrate' : 'sql',
    ...(project.flavor ? { flavor: project.flavor } : {}),
    migrationsDirectory: project.migrationsDirectory,
    database: url === undefined ? null : maskText(url),
    table,
  };
  const unknown = (reason: string): FolderStateResult => ({
    ...base,
    stateKnown: false,
    stateUnknownReason: maskText(reason),
    migrations: files.map((f) => ({ ...f, state: 'unknown' })),
    current: null,
    problems: [],
  });
  // The table name is put into SQL: a plain identifier only (node-pg-migrate's -t comes from package.json).
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) return unknown(`The migrations table name ${JSON.stringify(table)} is not a plain identifier, so it was not read: the state of these migrations is unknown.`);
  if (url === undefined) return unknown(`${urlVariable} is not set, so the database was not read: the state of these migrations is unknown.`);
  const target = targetOfUrl(url, project.root);
  if (!target) return unknown(`${urlVariable} is neither a PostgreSQL nor an SQLite URL: the state of these migrations is unknown.`);
  let applied: Applied;
  try {
    applied = await withReadOnly(target, (db) => readApplied(db, project, table));
  } catch (err) {
    return unknown(`The database could not be read (${errorMessage(err)}): the state of these migrations is unknown.`);
  }
  const problems = [...applied.problems];
  const migrations: FolderMigration[] = files.map((f) => {
    let isApplied: boolean;
    if (project.runner === 'node-pg-migrate') isApplied = applied.applied.has(f.name);
    else if (applied.goVersion !== undefined) isApplied = applied.goVersion !== null && f.version !== null && BigInt(f.version.replace(/\D/g, '') || '0') <= BigInt(applied.goVersion);
    else isApplied = f.version !== null && applied.applied.has(versionKey(f.version));
    return { ...f, state: isApplied ? 'applied' : 'pending' };
  });
  // Recorded as applied, but no file: the folder and the database disagree.
  const fileKeys = new Set(files.map((f) => (project.runner === 'node-pg-migrate' ? f.name : versionKey(f.version ?? ''))));
  const recorded = applied.goVersion != null ? [versionKey(applied.goVersion)] : [...applied.applied];
  for (const r of recorded) {
    if (fileKeys.has(r)) continue;
    migrations.push({ name: r, version: project.runner === 'node-pg-migrate' ? null : r, file: null, state: 'missing' });
    problems.push({ severity: 'error', code: 'missing-file', message: `${table} records ${r} as applied, but no migration file in ${project.migrationsDirectory} has it.` });
  }
  const appliedOnes = migrations.filter((m) => m.state === 'applied');
  return { ...base, stateKnown: true, migrations, current: applied.goVersion ?? appliedOnes[appliedOnes.length - 1]?.name ?? null, problems };
}

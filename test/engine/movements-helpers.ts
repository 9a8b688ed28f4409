/**
 * Helpers for the movement tests: a project on a real SQLite file or on a fresh PostgreSQL database
 * (created per call by helpers.ts createPgDatabase, dropped by the cleanup), and table listings for both.
 */
import path from 'node:path';
import { loadProject, type LoadedProject } from '../../server/src/migrations';
import { createPgDatabase, sqliteAll, sqliteKnexfile, sqliteTables, tempDir, writeFiles } from './helpers';

/** A test project: its folder, how to list its tables, and the cleanup. */
export interface TestProject {
  dir: string;
  /** Folder of the migrations. */
  migrations: string;
  load(env?: string): Promise<LoadedProject>;
  tables(): Promise<string[]>;
  /** Runs SQL on the database directly (not through the engine). */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  cleanup(): Promise<void>;
  kind: 'sqlite' | 'pg';
  /** Database name to type for --confirm. */
  databaseName: string;
}

/** A project on a real SQLite file (`db/app.sqlite3`), migrations in `db/migrations`, knexfile envs from `extra`. */
export function sqliteProject(files: Record<string, string>, knexfile = sqliteKnexfile()): TestProject {
  const t = tempDir('mg-mv-');
  const migrations = path.join(t.dir, 'db', 'migrations');
  writeFiles(t.dir, { 'knexfile.js': knexfile });
  writeFiles(migrations, files);
  const file = path.join(t.dir, 'db', 'app.sqlite3');
  return {
    dir: t.dir,
    migrations,
    kind: 'sqlite',
    databaseName: 'app.sqlite3',
    load: (env) => loadProject({ cwd: t.dir, processEnv: {}, ...(env ? { env } : {}) }),
    tables: async () => (await sqliteTables(file)).filter((n) => n !== 'sqlite_sequence'),
    query: (sql) => sqliteAll(file, sql),
    cleanup: () => Promise.resolve(t.cleanup()),
  };
}

/** A project on a fresh PostgreSQL database (MG_TEST_PG_URL must be set; skip with helpers.ts pgSkip). */
export async function pgProject(files: Record<string, string>, knexExtra = ''): Promise<TestProject> {
  const db = await createPgDatabase('mv');
  const t = tempDir('mg-mvpg-');
  const migrations = path.join(t.dir, 'migrations');
  writeFiles(t.dir, { 'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './migrations' }${knexExtra} } };` });
  writeFiles(migrations, files);
  const query = (sql: string) => db.query<Record<string, unknown>>(sql);
  return {
    dir: t.dir,
    migrations,
    kind: 'pg',
    databaseName: db.name(),
    load: (env) => loadProject({ cwd: t.dir, processEnv: {}, ...(env ? { env } : {}) }),
    tables: async () => (await query("select table_name from information_schema.tables where table_schema = 'public' order by table_name")).map((r) => String(r.table_name)),
    query,
    cleanup: async () => {
      await db.drop();
      t.cleanup();
    },
  };
}

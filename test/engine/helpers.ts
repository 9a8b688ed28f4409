/**
 * Helpers for the engine tests: fresh temp projects with REAL SQLite files, the CLI spawned as a
 * child process, and a probe telling whether the real analyzer (server/src/lint) is available yet.
 */
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { analyze, initAnalyzer } from '../../server/src/lint';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'mg-engine-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files (relative path → content) under `root`, creating folders. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** A knexfile for SQLite with `filename` and `directory` relative to the knexfile. */
export function sqliteKnexfile(filename = './db/app.sqlite3', directory = './db/migrations', extra = ''): string {
  return `module.exports = {
  development: {
    client: 'sqlite3',
    connection: { filename: ${JSON.stringify(filename)} },
    useNullAsDefault: true,
    migrations: { directory: ${JSON.stringify(directory)} },${extra}
  },
};
`;
}

/** A Knex migration creating `table` with an id and a name column. */
export function createTableMigration(table: string): string {
  return `exports.up = (knex) => knex.schema.createTable(${JSON.stringify(table)}, (t) => { t.increments('id'); t.string('name'); });
exports.down = (knex) => knex.schema.dropTable(${JSON.stringify(table)});
`;
}

/** Runs SQL on an SQLite file (opened directly with the driver, not with Knex) and returns rows. */
export function sqliteAll(file: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (err2, rows: Array<Record<string, unknown>>) => {
        db.close(() => (err2 ? reject(err2) : resolve(rows)));
      });
    });
  });
}

/** Names of the tables in an SQLite file. */
export async function sqliteTables(file: string): Promise<string[]> {
  const rows = await sqliteAll(file, "select name from sqlite_master where type = 'table' order by name");
  return rows.map((r) => String(r.name));
}

/**
 * Schema (sqlite_master) and every table's rows (ordered by rowid) of an SQLite file, for deep
 * equality checks. `exclude` names tables left out of both (e.g. 'sqlite_sequence').
 */
export async function dumpSqlite(file: string, exclude: string[] = []): Promise<Record<string, unknown>> {
  const notIn = exclude.length ? ` and name not in (${exclude.map(() => '?').join(', ')})` : '';
  const out: Record<string, unknown> = {
    schema: await sqliteAll(file, `select type, name, tbl_name, sql from sqlite_master where 1 = 1${notIn} order by type, name`, exclude),
  };
  for (const t of await sqliteAll(file, `select name from sqlite_master where type = 'table'${notIn} order by name`, exclude)) {
    out[String(t.name)] = await sqliteAll(file, `select * from "${String(t.name)}" order by rowid`);
  }
  return out;
}

/** The PostgreSQL server of the tests (MG_TEST_PG_URL), or undefined: those tests are skipped. */
export const pgBaseUrl = process.env.MG_TEST_PG_URL;

/** `skip` option of a PostgreSQL describe: false with MG_TEST_PG_URL, else why `what` is skipped. */
export function pgSkip(what: string): string | false {
  return pgBaseUrl ? false : `MG_TEST_PG_URL is not set: ${what} skipped (scripts/pg-cluster.sh start DIR PORT prints a URL)`;
}

/** A throwaway PostgreSQL database on MG_TEST_PG_URL, see createPgDatabase and usePgDatabase. */
export interface PgTestDatabase {
  /** Its name (valid from the describe's own `before` hooks on, with usePgDatabase). */
  name(): string;
  /** Its connection URL (valid from the describe's own `before` hooks on, with usePgDatabase). */
  url(): string;
  /** Runs one statement on a fresh connection (closed afterwards) and returns the rows. */
  query: <T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<T[]>;
}

/** Runs one statement on a fresh connection to `url` (closed afterwards) and returns the rows. */
export async function pgQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params?: unknown[]): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

let pgSeq = 0;

/**
 * Creates the database `mg_<prefix>_<pid>_<time>_<n>` on MG_TEST_PG_URL (which must be set; skip
 * with pgSkip); `drop()` drops it WITH (FORCE) and closes the admin connection.
 */
export async function createPgDatabase(prefix: string): Promise<PgTestDatabase & { drop(): Promise<void> }> {
  if (!pgBaseUrl) throw new Error('MG_TEST_PG_URL is not set');
  const dbName = `mg_${prefix}_${process.pid}_${Date.now()}_${pgSeq++}`;
  const admin = new pg.Client({ connectionString: pgBaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${dbName}`);
  } catch (err) {
    await admin.end();
    throw err;
  }
  const u = new URL(pgBaseUrl);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  return {
    name: () => dbName,
    url: () => url,
    query: (sql, params) => pgQuery(url, sql, params),
    drop: async () => {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * Call inside a describe (skipped with pgSkip): registers a `before` hook creating a database with
 * createPgDatabase and an `after` hook dropping it WITH (FORCE).
 * Registered first, its `before` runs before the describe's own.
 */
export function usePgDatabase(prefix: string): PgTestDatabase {
  let db: Awaited<ReturnType<typeof createPgDatabase>> | undefined;
  const current = () => {
    if (!db) throw new Error(`usePgDatabase('${prefix}'): the database exists only from the describe's before hooks on`);
    return db;
  };
  before(async () => {
    db = await createPgDatabase(prefix);
  });
  after(async () => {
    await db?.drop();
  });
  return {
    name: () => current().name(),
    url: () => current().url(),
    query: (sql, params) => current().query(sql, params),
  };
}

/** Result of a CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Longest a spawned CLI may run in a test, in milliseconds. A process that hangs is SIGKILLed then (its run ends
 * with code null and a note in stderr): a test's own timeout does not stop the processes it started, and a live
 * child keeps the test file, and so the whole `npm test`, from ever ending.
 */
export const CHILD_WATCHDOG_MS = 120_000;

/** A spawned process (stdin closed) whose output is collected; `done` resolves when it exits (or is killed after {@link CHILD_WATCHDOG_MS}). */
export function spawnCollect(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): { pid: number; done: Promise<CliRun> } {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const watchdog = setTimeout(() => {
    stderr += `\n[test watchdog: killed after ${CHILD_WATCHDOG_MS} ms: ${args.join(' ')}]\n`;
    child.kill('SIGKILL');
  }, CHILD_WATCHDOG_MS);
  watchdog.unref();
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(watchdog);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, stdout, stderr });
    });
  });
  return { pid: child.pid as number, done };
}

/**
 * Spawns `node --import tsx server/src/cli/main.ts …args` from the repository root (stdin closed: not a
 * TTY, NODE_ENV and DATABASE_URL unset unless `env` sets them) without waiting for it.
 */
export function startCli(args: string[], env: Record<string, string | undefined> = {}): { pid: number; done: Promise<CliRun> } {
  return spawnCollect(process.execPath, ['--import', 'tsx', path.join('server', 'src', 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: undefined, DATABASE_URL: undefined, ...env } as NodeJS.ProcessEnv,
  });
}

/** Spawns `node --import tsx server/src/cli/main.ts …args` from the repository root (stdin closed: not a TTY). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return startCli(args, env).done;
}

let analyzerProbe: Promise<string | null> | undefined;

/**
 * Null when the real analyzer works; else why not (the lint module is written by another engineer
 * and holds throwing placeholders until it lands). Tests that need it skip with this reason.
 */
export function analyzerUnavailable(): Promise<string | null> {
  analyzerProbe ??= (async () => {
    try {
      await initAnalyzer();
      analyze('DROP TABLE users;', { fileName: 'probe.sql', dialect: 'postgresql' });
      return null;
    } catch (err) {
      return `analyzer not available yet (server/src/lint): ${(err as Error).message}`;
    }
  })();
  return analyzerProbe;
}

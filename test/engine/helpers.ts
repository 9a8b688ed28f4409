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

/** A throwaway PostgreSQL database, see usePgDatabase. */
export interface PgTestDatabase {
  /** Its connection URL (valid from the describe's own `before` hooks on). */
  url(): string;
  /** Runs one statement on a fresh connection (closed afterwards) and returns the rows. */
  query: <T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<T[]>;
}

/**
 * Call inside a describe (skipped with pgSkip): registers a `before` hook creating the database
 * `mg_<prefix>_<pid>_<time>` on MG_TEST_PG_URL and an `after` hook dropping it WITH (FORCE).
 * Registered first, its `before` runs before the describe's own.
 */
export function usePgDatabase(prefix: string): PgTestDatabase {
  const dbName = `mg_${prefix}_${process.pid}_${Date.now()}`;
  let url = '';
  let admin: pg.Client | undefined;
  before(async () => {
    if (!pgBaseUrl) throw new Error('MG_TEST_PG_URL is not set');
    admin = new pg.Client({ connectionString: pgBaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(pgBaseUrl);
    u.pathname = `/${dbName}`;
    url = u.toString();
  });
  after(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin?.end();
  });
  return {
    url: () => url,
    query: async <T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]> => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query<T>(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
  };
}

/** Result of a CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `node --import tsx server/src/cli/main.ts …args` from the repository root (stdin closed: not a TTY). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('server', 'src', 'cli', 'main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: undefined, DATABASE_URL: undefined, ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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

/**
 * The expected schema: the migrations a database has applied, replayed in their recorded order on
 * a scratch database, then introspected.
 * - SQLite: a temporary file in `os.tmpdir()`.
 * - PostgreSQL: `CREATE DATABASE mg_scratch_<random>` on the same server; when the user may not
 *   create databases (SQLSTATE 42501), `CREATE SCHEMA mg_scratch_<random>` in the project's own
 *   database, with the scratch Knex's `searchPath` and `migrations.schemaName` set to it.
 * The scratch is always removed: on success, on failure, and on SIGINT/SIGTERM (handlers are
 * installed only while it exists; the signal is raised again once it is gone).
 * `migrate.up({ name })` applies the named migration even when earlier files are still pending: it picks the
 * name among the unapplied ones without any order check (knex 3.3.0 lib/migrations/migrate/Migrator.js `up`).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { SchemaModel } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { createKnex, openKnex, silentLog, type EngineLog } from '../db';
import { EngineError, errorMessage } from '../errors';
import { introspect } from './introspect';

/** Prefix of every scratch database, schema and file (tests and operators can find leftovers by it). */
export const SCRATCH_PREFIX = 'mg_scratch_';

/**
 * What the migrations are replayed from: these names in this order (`migrate.up({ name })` each; with
 * `inFileOrder`, the names are the first files in Knex's order and one `migrate.to({ name: last })`
 * batch replays them when this Knex has `to`, 3.3.0+), or every file (`migrate.latest()`).
 */
export type ReplayPlan = { names: string[]; inFileOrder?: boolean } | { all: true };

/** Options of {@link buildExpectedSchema}. */
export interface ScratchOptions {
  log?: EngineLog;
  /**
   * PostgreSQL: an open Knex on the project's database, used to create and drop the scratch
   * (else one is opened and destroyed here).
   */
  admin?: Knex;
  /** PostgreSQL: the schema the live tables are in (created in a scratch database when it is not `public`). */
  liveSchema?: string;
  /** Called with the scratch database after the replay and before it is removed (to read more than the model). */
  inspect?: (db: Knex) => Promise<void>;
}

interface Scratch {
  /** Human description for progress lines. */
  label: string;
  /** Knex config of the scratch target. */
  config: Knex.Config;
  /** Schema to introspect in the scratch (PostgreSQL). */
  schema?: string;
  /** Removes the scratch; idempotent, never throws (a failure is logged). */
  remove(): Promise<void>;
}

function randomName(): string {
  return `${SCRATCH_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The project's connection with another PostgreSQL database name (URL, keyword/value string, `connectionString`, or fields). */
export function withDatabase(connection: unknown, database: string): unknown {
  const inString = (s: string): string => {
    try {
      const u = new URL(s);
      u.pathname = `/${encodeURIComponent(database)}`;
      return u.toString();
    } catch {
      return /\bdbname\s*=\s*\S+/.test(s) ? s.replace(/\bdbname\s*=\s*\S+/, `dbname=${database}`) : `${s} dbname=${database}`;
    }
  };
  if (typeof connection === 'string') return inString(connection);
  const c = { ...((connection ?? {}) as Record<string, unknown>) };
  if (typeof c.connectionString === 'string') c.connectionString = inString(c.connectionString);
  c.database = database;
  return c;
}

type PoolConfig = Knex.PoolConfig & { afterCreate?: (conn: unknown, done: (err: unknown, conn: unknown) => void) => void };
type PgConn = { query(sql: string, cb: (err: Error | null, res: { rows: Array<{ pid: number }> }) => void): void };

/** The project's pool settings plus an `afterCreate` that records each connection's backend pid (to end them before a DROP). */
function trackingPool(project: LoadedProject, pids: Set<number>): PoolConfig {
  const pool = (project.knexConfig.pool ?? {}) as PoolConfig;
  const userAfterCreate = pool.afterCreate;
  return {
    ...pool,
    afterCreate: (conn: unknown, done: (err: unknown, conn: unknown) => void) => {
      (conn as PgConn).query('select pg_backend_pid() as pid', (err, res) => {
        if (!err && res.rows[0]) pids.add(Number(res.rows[0].pid));
        if (userAfterCreate) userAfterCreate(conn, done);
        else done(err, conn);
      });
    },
  };
}

function sqliteScratch(project: LoadedProject, log: EngineLog): Scratch {
  const file = path.join(os.tmpdir(), `${randomName()}.sqlite3`);
  const conn = project.knexConfig.connection;
  const base = conn && typeof conn === 'object' ? (conn as Record<string, unknown>) : {};
  let removed = false;
  return {
    label: `scratch SQLite file ${file}`,
    config: { ...project.knexConfig, connection: { ...base, filename: file } },
    remove: () => {
      if (!removed) {
        removed = true;
        for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) {
          try {
            rmSync(f, { force: true });
          } catch (err) {
            log('warn', `Could not remove the scratch file ${f}: ${errorMessage(err)}`);
          }
        }
      }
      return Promise.resolve();
    },
  };
}

async function pgScratch(project: LoadedProject, admin: Knex, liveSchema: string | undefined, log: EngineLog): Promise<Scratch> {
  const name = randomName();
  const pids = new Set<number>();
  const pool = trackingPool(project, pids);
  const terminate = async () => {
    if (pids.size) await admin.raw('select pg_catalog.pg_terminate_backend(p) from unnest(?::int[]) p', [[...pids]]).catch(() => {});
  };
  let removal: Promise<void> | null = null;
  const once = (fn: () => Promise<void>, what: string) => () => {
    removal ??= fn().catch((err: unknown) => log('warn', `Could not remove the ${what} ${name}: ${errorMessage(err)}. Remove it by hand.`));
    return removal;
  };
  try {
    await admin.raw('create database ??', [name]);
  } catch (err) {
    if ((err as { code?: string }).code !== '42501') {
      throw new EngineError('migration-failed', `Could not create the scratch database ${name}: ${errorMessage(err)}`, 'Schema drift needs a scratch database (or, without CREATEDB, a scratch schema) on the same server.', { cause: err });
    }
    // No CREATEDB: a scratch schema in the project's own database.
    try {
      await admin.raw('create schema ??', [name]);
    } catch (err2) {
      throw new EngineError('migration-failed', `The user may neither create a scratch database nor a scratch schema (${errorMessage(err2)}).`, 'Grant CREATEDB, or CREATE on the database, to the migration user; or compare against a snapshot: migration-guard schema diff.', { cause: err2 });
    }
    log('warn', `No CREATEDB privilege: replaying the migrations in the scratch schema ${name} of the project's database (migrations that name a schema themselves would write outside it).`);
    const m = (project.knexConfig.migrations ?? {}) as Record<string, unknown>;
    return {
      label: `scratch schema ${name}`,
      config: { ...project.knexConfig, searchPath: [name], pool, migrations: { ...m, schemaName: name } } as Knex.Config,
      schema: name,
      remove: once(async () => {
        await terminate();
        await admin.raw('drop schema if exists ?? cascade', [name]);
      }, 'scratch schema'),
    };
  }
  const remove = once(async () => {
    try {
      // PostgreSQL 13+: ends the scratch's sessions itself (docs, DROP DATABASE … WITH (FORCE)).
      await admin.raw('drop database if exists ?? with (force)', [name]);
    } catch {
      await terminate();
      await admin.raw('drop database if exists ??', [name]);
    }
  }, 'scratch database');
  const scratch: Scratch = {
    label: `scratch database ${name}`,
    config: { ...project.knexConfig, connection: withDatabase(project.knexConfig.connection, name), pool } as Knex.Config,
    ...(liveSchema ? { schema: liveSchema } : {}),
    remove,
  };
  const schemas = [liveSchema, project.migrations.schemaName].filter((s): s is string => !!s && s !== 'public');
  if (schemas.length) {
    const db = project.knex.factory({ ...scratch.config, pool: { min: 0, max: 1 } });
    try {
      for (const s of new Set(schemas)) await db.raw('create schema if not exists ??', [s]);
    } catch (err) {
      await remove();
      throw new EngineError('migration-failed', `Could not prepare the scratch database ${name}: ${errorMessage(err)}`, undefined, { cause: err });
    } finally {
      await db.destroy().catch(() => {});
    }
  }
  return scratch;
}

/**
 * Runs `fn` while SIGINT/SIGTERM remove the scratch first: the handler awaits `remove`, takes
 * itself off and raises the signal again, so the process ends as it would have.
 */
async function withSignalCleanup<T>(remove: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const handler = (signal: NodeJS.Signals) => {
    void remove().finally(() => {
      uninstall();
      process.kill(process.pid, signal);
    });
  };
  const uninstall = () => {
    for (const s of signals) process.off(s, handler);
  };
  for (const s of signals) process.on(s, handler);
  try {
    return await fn();
  } finally {
    uninstall();
  }
}

/**
 * Builds the expected schema of `project`: creates a scratch target, replays `plan` on it with the
 * project's Knex and migration settings, introspects it, and removes it.
 * @throws EngineError `migration-failed` when a migration fails on the scratch (the name and the
 *   cause in the message), or the scratch cannot be created; setup errors of {@link openKnex}.
 */
export async function buildExpectedSchema(project: LoadedProject, plan: ReplayPlan, options: ScratchOptions = {}): Promise<SchemaModel> {
  const log = options.log ?? silentLog;
  if (project.family === 'other') throw new EngineError('usage', `Schema drift supports SQLite and PostgreSQL, not '${project.client}'.`);
  const ownAdmin = project.family === 'postgresql' && !options.admin ? await openKnex(project, log) : null;
  const admin = options.admin ?? ownAdmin;
  try {
    const scratch = project.family === 'sqlite' ? sqliteScratch(project, log) : await pgScratch(project, admin as Knex, options.liveSchema, log);
    return await withSignalCleanup(scratch.remove, async () => {
      let db: Knex | null = null;
      try {
        const count = 'all' in plan ? 'every' : String(plan.names.length);
        log('info', `Replaying ${count} migration${count === '1' ? '' : 's'} in the ${scratch.label} to build the expected schema.`);
        db = createKnex({ ...project, knexConfig: scratch.config }, log);
        await replay(db, plan, scratch.label);
        await options.inspect?.(db);
        return await introspect(db, { family: project.family as 'sqlite' | 'postgresql', migrationsTable: project.migrations.tableName, ...(scratch.schema ? { schema: scratch.schema } : {}) });
      } finally {
        await db?.destroy().catch(() => {});
        await scratch.remove();
      }
    });
  } finally {
    await ownAdmin?.destroy();
  }
}

async function replay(db: Knex, plan: ReplayPlan, label: string): Promise<void> {
  const fail = (name: string, err: unknown) =>
    new EngineError('migration-failed', `Migration ${name} failed while replaying the migrations in the ${label}: ${errorMessage(err)}`, 'The expected schema could not be built, so drift is unknown. Fix the migration (it must run on an empty database), then validate again.', { cause: err });
  if ('all' in plan) {
    try {
      await db.migrate.latest();
    } catch (err) {
      throw fail('(one of the migrations)', err);
    }
    return;
  }
  const migrator = db.migrate as Knex.Migrator & { to?: (c: object) => Promise<unknown> };
  const last = plan.names[plan.names.length - 1];
  if (plan.inFileOrder && last !== undefined && typeof migrator.to === 'function') {
    // One batch: Knex's afterEach hook counts the migrations that ran, so a failure names the next one.
    let done = 0;
    try {
      await migrator.to({ name: last, afterEach: async () => void done++ });
    } catch (err) {
      throw fail(plan.names[done] ?? last, err);
    }
    return;
  }
  for (const name of plan.names) {
    try {
      await db.migrate.up({ name });
    } catch (err) {
      throw fail(name, err);
    }
  }
}

/**
 * Checksums of applied migrations: Migration Guard records the sha256 of each migration file it
 * applies (upgrade, mark-applied) in its own table `migration_guard_checksums(name, sha256,
 * applied_at)`, next to Knex's migrations table (same schema). Only write commands create the
 * table; read-only views read it when it exists.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import type { ChecksumState } from '../protocol';
import { tableExists } from './db';

/** Name of the checksum table. */
export const CHECKSUM_TABLE = 'migration_guard_checksums';

/** Lower-case hex sha256 of a file's bytes. @throws the `readFile` error (ENOENT, EACCES). */
export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

function table(db: Knex | Knex.Transaction, schemaName: string | undefined): Knex.QueryBuilder {
  return schemaName ? db.withSchema(schemaName).from(CHECKSUM_TABLE) : db.from(CHECKSUM_TABLE);
}

/**
 * Creates `migration_guard_checksums` when missing (write commands only).
 * Columns: `name` varchar(255) primary key, `sha256` char(64), `applied_at` timestamp.
 */
export async function ensureChecksumTable(db: Knex | Knex.Transaction, schemaName: string | undefined): Promise<void> {
  if (await tableExists(db, CHECKSUM_TABLE, schemaName)) return;
  const builder = schemaName ? db.schema.withSchema(schemaName) : db.schema;
  try {
    await builder.createTable(CHECKSUM_TABLE, (t) => {
      t.string('name', 255).primary();
      t.string('sha256', 64).notNullable();
      t.timestamp('applied_at');
    });
  } catch (err) {
    // Another process created it between the check and the CREATE.
    if (!(await tableExists(db, CHECKSUM_TABLE, schemaName))) throw err;
  }
}

/** Recorded checksums (name → sha256); empty when the table does not exist. Read-only. */
export async function readChecksums(db: Knex, schemaName: string | undefined): Promise<Map<string, string>> {
  if (!(await tableExists(db, CHECKSUM_TABLE, schemaName))) return new Map();
  const rows = (await table(db, schemaName).select('name', 'sha256')) as Array<{ name: unknown; sha256: unknown }>;
  return new Map(rows.map((r) => [String(r.name), String(r.sha256)]));
}

/** Records (replaces) the checksum of `name`. The table must exist ({@link ensureChecksumTable}). */
export async function recordChecksum(db: Knex | Knex.Transaction, schemaName: string | undefined, name: string, sha256: string): Promise<void> {
  await table(db, schemaName).where({ name }).del();
  await table(db, schemaName).insert({ name, sha256, applied_at: new Date() });
}

/** Deletes the checksum of `name` when the table exists. */
export async function deleteChecksum(db: Knex | Knex.Transaction, schemaName: string | undefined, name: string): Promise<void> {
  if (!(await tableExists(db as Knex, CHECKSUM_TABLE, schemaName))) return;
  await table(db, schemaName).where({ name }).del();
}

/** Verdict for one migration: `none` without a recorded checksum or a file hash. */
export function checksumVerdict(recorded: string | undefined, actual: string | undefined): ChecksumState {
  if (!recorded || !actual) return 'none';
  return recorded === actual ? 'match' : 'edited';
}

/**
 * Knex `beforeAll` hook (`(trxOrKnex, migrations)`, run after Knex took its lock, in the batch's
 * transaction when there is one) creating the checksum table; `userHook` (the knexfile's own) runs first.
 */
export function checksumTableHook(schemaName: string | undefined, userHook?: unknown): AfterEachHook {
  return async (trx, migrations) => {
    if (typeof userHook === 'function') await (userHook as AfterEachHook)(trx, migrations);
    await ensureChecksumTable(trx, schemaName);
  };
}

/** A Knex `afterEach` hook: `(trx, [migration]) => …`, run inside the migration's transaction. */
export type AfterEachHook = (trx: Knex | Knex.Transaction, migrations: unknown[]) => Promise<void>;

function migrationName(m: unknown): string | null {
  if (m && typeof m === 'object' && 'file' in m && typeof (m as { file: unknown }).file === 'string') return path.basename((m as { file: string }).file);
  return null;
}

/**
 * Knex `afterEach` hook that records (direction `up`) or deletes (`down`) the checksum of each
 * migration, inside the transaction Knex runs that migration in (Knex 3.3.0 Migrator._waterfallBatch
 * calls `afterEach(trx, [migration])` after `up`/`down` and before it writes `knex_migrations`).
 * With `transaction: false` there is no transaction: the row is written right after the migration,
 * and a crash between the two leaves a checksum without a `knex_migrations` row (harmless: status
 * only reads checksums of applied migrations; the next apply replaces it).
 * `hashes` maps names to the sha256 computed before applying (the bytes that were linted).
 * `userHook` (the knexfile's own `migrations.afterEach`) runs first.
 */
export function checksumHook(direction: 'up' | 'down', schemaName: string | undefined, hashes: Map<string, string>, userHook?: unknown): AfterEachHook {
  return async (trx, migrations) => {
    if (typeof userHook === 'function') await (userHook as AfterEachHook)(trx, migrations);
    for (const m of migrations) {
      const name = migrationName(m);
      if (!name) continue;
      if (direction === 'down') {
        await table(trx, schemaName).where({ name }).del();
      } else {
        const sha = hashes.get(name);
        if (sha) await recordChecksum(trx, schemaName, name, sha);
      }
    }
  };
}

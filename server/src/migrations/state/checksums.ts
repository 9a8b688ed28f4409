/**
 * Checksums of applied migrations: Migration Guard records the sha256 of each migration file it
 * applies (upgrade, mark-applied) in its own table `migration_guard_checksums(name, sha256,
 * applied_at)`, next to Knex's migrations table (same schema). Only write commands create the
 * table; read-only views read it when it exists.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { ChecksumState } from '../../protocol';
import { tableExists } from '../db';

/** Name of the checksum table. */
export const CHECKSUM_TABLE = 'migration_guard_checksums';

/**
 * Lower-case hex sha256 of a file's bytes. @throws the read error (ENOENT, EACCES).
 * Reads synchronously: migration files are small, and a status hashes up to thousands of them, where the promise
 * API's four thread-pool round trips per file (open, fstat, read, close) cost ~100 ms per 1,000 files (bench/refresh.ts).
 */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
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
  await writeChecksums(db, schemaName, 'up', [name], new Map([[name, sha256]]));
}

/** Deletes the checksum of `name` when the table exists. */
export async function deleteChecksum(db: Knex | Knex.Transaction, schemaName: string | undefined, name: string): Promise<void> {
  if (!(await tableExists(db as Knex, CHECKSUM_TABLE, schemaName))) return;
  await writeChecksums(db, schemaName, 'down', [name], new Map());
}

/** Verdict for one migration: `none` without a recorded checksum or a file hash. */
export function checksumVerdict(recorded: string | undefined, actual: string | undefined): ChecksumState {
  if (!recorded || !actual) return 'none';
  return recorded === actual ? 'match' : 'edited';
}

/** A Knex migration hook: `(trxOrKnex, migrations) => …` (`beforeAll`, `afterEach`, `afterAll` share this shape). */
export type MigrationHook = (trx: Knex | Knex.Transaction, migrations: unknown[]) => Promise<void>;

/** The `beforeAll`/`afterEach`/`afterAll` hooks of {@link checksumHooks}, to spread into a Knex migrator config. */
export interface ChecksumHooks {
  beforeAll: MigrationHook;
  afterEach: MigrationHook;
  afterAll: MigrationHook;
}

function migrationName(m: unknown): string | null {
  if (m && typeof m === 'object' && 'file' in m && typeof (m as { file: unknown }).file === 'string') return path.basename((m as { file: string }).file);
  return null;
}

function isTransaction(db: Knex | Knex.Transaction): boolean {
  return (db as { isTransaction?: boolean }).isTransaction === true;
}

/** Rows per multi-row INSERT: 3 bound values a row stays under SQLite's 999-variable limit (SQLITE_MAX_VARIABLE_NUMBER before 3.32). */
const ROWS_PER_INSERT = 300;

/**
 * Records (`up`) or deletes (`down`) the checksums of many migrations at once: one DELETE and one
 * multi-row INSERT per {@link ROWS_PER_INSERT} names, in `db` (the batch's transaction).
 */
async function writeChecksums(db: Knex | Knex.Transaction, schemaName: string | undefined, direction: 'up' | 'down', names: string[], hashes: Map<string, string>): Promise<void> {
  const appliedAt = new Date();
  for (let i = 0; i < names.length; i += ROWS_PER_INSERT) {
    const chunk = names.slice(i, i + ROWS_PER_INSERT);
    await table(db, schemaName).whereIn('name', chunk).del();
    if (direction === 'down') continue;
    const rows = chunk.flatMap((name) => {
      const sha256 = hashes.get(name);
      return sha256 ? [{ name, sha256, applied_at: appliedAt }] : [];
    });
    if (rows.length > 0) await table(db, schemaName).insert(rows);
  }
}

/**
 * Knex hooks that keep `migration_guard_checksums` in step with `knex_migrations` during a batch.
 *
 * - `beforeAll` (run after Knex took its lock, in the batch's transaction when there is one) creates
 *   the table, so two upgrades started at once never race on its CREATE TABLE.
 * - When the batch runs in one transaction (Knex 3.3.0 `Migrator._runBatch` passes it to `beforeAll`,
 *   `afterEach` and `afterAll`), `afterEach` only notes each migration and `afterAll` writes every
 *   checksum with one DELETE and one multi-row INSERT: a failure rolls both back with the batch.
 * - Without a batch transaction (a migration with `config.transaction = false`, or
 *   `disableTransactions`), `afterEach` writes each checksum at once, inside the migration's own
 *   transaction when Knex gives it one (`_waterfallBatch` calls `afterEach(trx, [migration])` after
 *   `up`/`down` and before it writes `knex_migrations`). A crash between the two leaves a checksum
 *   without a `knex_migrations` row: harmless, status reads checksums of applied migrations only and
 *   the next apply replaces it.
 *
 * `hashes` maps names to the sha256 computed before applying (the bytes that were linted); `down`
 * deletes the rows. The knexfile's own hooks (`user`) run first, with the same arguments.
 */
export function checksumHooks(direction: 'up' | 'down', schemaName: string | undefined, hashes: Map<string, string>, user: { beforeAll?: unknown; afterEach?: unknown; afterAll?: unknown } = {}): ChecksumHooks {
  let batchTransaction: Knex | Knex.Transaction | null = null;
  const deferred: string[] = [];
  const callUser = async (hook: unknown, trx: Knex | Knex.Transaction, migrations: unknown[]) => {
    if (typeof hook === 'function') await (hook as MigrationHook)(trx, migrations);
  };
  return {
    async beforeAll(trx, migrations) {
      await callUser(user.beforeAll, trx, migrations);
      batchTransaction = isTransaction(trx) ? trx : null;
      deferred.length = 0;
      await ensureChecksumTable(trx, schemaName);
    },
    async afterEach(trx, migrations) {
      await callUser(user.afterEach, trx, migrations);
      const names = migrations.map(migrationName).filter((n): n is string => n !== null);
      if (batchTransaction !== null && trx === batchTransaction) deferred.push(...names);
      else await writeChecksums(trx, schemaName, direction, names, hashes);
    },
    async afterAll(trx, migrations) {
      await callUser(user.afterAll, trx, migrations);
      if (deferred.length > 0) await writeChecksums(trx, schemaName, direction, deferred.splice(0), hashes);
    },
  };
}

/**
 * Deterministic generators for the benchmarks and the fuzz test: a realistic PostgreSQL migration of N
 * statements (one per line), and a seeded PRNG.
 */
import * as os from 'node:os';

/** Mulberry32: a small seeded PRNG returning floats in [0, 1). Same seed, same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks one element. */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

const existingTables = ['users', 'accounts', 'orders', 'order_items', 'payments', 'sessions', 'audit_log', 'products', 'invoices', 'events'];
const types = ['integer', 'bigint', 'text', 'varchar(255)', 'boolean', 'timestamptz', 'jsonb', 'numeric(12,2)', 'uuid'];

/**
 * A PostgreSQL migration of `count` statements, one per line, in a realistic mix: CREATE TABLE, ADD COLUMN
 * (nullable, NOT NULL with and without DEFAULT), CREATE INDEX (plain, CONCURRENTLY, UNIQUE), ALTER COLUMN TYPE,
 * SET/DROP NOT NULL, constraints (FK, CHECK, NOT VALID), renames, DROP TABLE/COLUMN/INDEX, UPDATE/DELETE with and
 * without WHERE, INSERT, TRUNCATE, SET lock_timeout, comments. Deterministic for a given `seed`.
 */
export function generatePostgresMigration(count: number, seed = 1): string {
  const rand = prng(seed);
  const lines: string[] = [];
  const tables: string[] = [];
  for (let i = 0; i < count; i++) {
    // Most statements change tables that already exist in the database (not created in this file).
    const t = tables.length > 0 && rand() < 0.3 ? pick(rand, tables) : pick(rand, existingTables);
    const col = `col_${Math.floor(rand() * 50)}`;
    const r = rand();
    let sql: string;
    if (tables.length === 0 || r < 0.06) {
      const name = `table_${i}`;
      tables.push(name);
      sql = `CREATE TABLE IF NOT EXISTS ${name} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ${col} ${pick(rand, types)} NOT NULL DEFAULT 0, created_at timestamptz DEFAULT now());`;
    } else if (r < 0.22) {
      sql = pick(rand, [
        `ALTER TABLE ${t} ADD COLUMN ${col}_${i} ${pick(rand, types)};`,
        `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${col}_${i} integer NOT NULL DEFAULT 0;`,
        `ALTER TABLE ${t} ADD COLUMN ${col}_${i} text NOT NULL;`,
      ]);
    } else if (r < 0.34) {
      sql = pick(rand, [
        `CREATE INDEX ${t}_${col}_idx_${i} ON ${t} (${col});`,
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${t}_${col}_idx_${i} ON ${t} (${col}, created_at);`,
        `CREATE UNIQUE INDEX ${t}_${col}_uniq_${i} ON ${t} USING btree (${col}) WHERE ${col} IS NOT NULL;`,
      ]);
    } else if (r < 0.42) {
      sql = pick(rand, [
        `ALTER TABLE ${t} ALTER COLUMN ${col} TYPE bigint;`,
        `ALTER TABLE ${t} ALTER COLUMN ${col} TYPE varchar(500);`,
        `ALTER TABLE ${t} ALTER COLUMN ${col} SET NOT NULL;`,
        `ALTER TABLE ${t} ALTER COLUMN ${col} DROP NOT NULL;`,
        `ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT 42;`,
      ]);
    } else if (r < 0.5) {
      sql = pick(rand, [
        `ALTER TABLE ${t} ADD CONSTRAINT ${t}_fk_${i} FOREIGN KEY (${col}) REFERENCES ${pick(rand, existingTables)} (id);`,
        `ALTER TABLE ${t} ADD CONSTRAINT ${t}_chk_${i} CHECK (${col} > 0) NOT VALID;`,
        `ALTER TABLE ${t} VALIDATE CONSTRAINT ${t}_chk_${i};`,
        `ALTER TABLE ${t} ADD CONSTRAINT ${t}_uq_${i} UNIQUE (${col});`,
      ]);
    } else if (r < 0.56) {
      sql = pick(rand, [`ALTER TABLE ${t} RENAME COLUMN ${col} TO ${col}_renamed_${i};`, `ALTER TABLE ${t} RENAME TO ${t}_v${i};`]);
    } else if (r < 0.62) {
      sql = pick(rand, [
        `DROP TABLE IF EXISTS ${t}_old_${i};`,
        `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${col};`,
        `DROP INDEX IF EXISTS ${t}_${col}_idx;`,
        `DROP INDEX CONCURRENTLY ${t}_${col}_idx_${i};`,
      ]);
    } else if (r < 0.76) {
      sql = pick(rand, [
        `UPDATE ${t} SET ${col} = ${col} + 1 WHERE id < ${i * 10};`,
        `UPDATE ${t} SET ${col} = 0;`,
        `DELETE FROM ${t} WHERE created_at < now() - interval '30 days';`,
      ]);
    } else if (r < 0.9) {
      sql = `INSERT INTO ${t} (${col}, created_at) VALUES (${i}, now()), (${i + 1}, now()) ON CONFLICT DO NOTHING;`;
    } else if (r < 0.93) {
      sql = `TRUNCATE ${t}_staging_${i};`;
    } else if (r < 0.96) {
      sql = `SET lock_timeout = '${1 + Math.floor(rand() * 5)}s';`;
    } else {
      sql = `COMMENT ON TABLE ${t} IS 'migration step ${i}: café ☕';`;
    }
    lines.push(sql);
  }
  return `${lines.join('\n')}\n`;
}

/** One line of machine facts for benchmark output. */
export function machineFacts(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ${os.platform()} ${os.arch()}, load average ${load} (other work on the machine slows every figure)`;
}

/** The p-th percentile (0–100) of `values` by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

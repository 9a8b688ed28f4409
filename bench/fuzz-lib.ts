/**
 * The fuzzer behind bench/fuzz.ts and test/unit/fuzz.test.ts: random and mutated SQL (PostgreSQL and
 * SQLite), JavaScript/TypeScript (Knex, node-pg-migrate) and Python (Alembic) documents through analyze().
 * The analyzer promises never to throw, never to crash inside (a parser or rule exception is an `analyzer-error`
 * finding: the analyzer fails closed, so "nothing throws" alone proves nothing) and to stay fast on any input; this
 * checks all three.
 */
import { performance } from 'node:perf_hooks';
import { analyze, initAnalyzer } from '../server/src/lint';
import { percentile, pick, prng } from './generate';

const sqlSeeds = [
  'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);',
  'ALTER TABLE users ADD COLUMN age int NOT NULL;',
  'CREATE INDEX users_email ON users (email);',
  "DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$;",
  "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1 $body$;",
  'ALTER TABLE accounts ALTER COLUMN id TYPE bigint USING id::bigint;',
  'DROP TABLE IF EXISTS old_stuff CASCADE;',
  "UPDATE users SET name = 'x' /* comment; with ; semicolons */;",
  'BEGIN; TRUNCATE t; COMMIT;',
  '-- migration-guard-ignore ban-drop-table: reviewed\nDROP TABLE t;',
  'CREATE TABLE {{ .Schema }}.t (id int); ALTER TABLE ${schema}.t ADD COLUMN c int;',
  "INSERT INTO t VALUES ('unterminated",
  'CREATE TABLE "weird ""name""" (é int, 𝄞 text);',
  'PRAGMA foreign_keys = ON; CREATE TABLE t (a) WITHOUT ROWID, STRICT;',
  'ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT fk;',
  'CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; SELECT 2; END;',
  'SET lock_timeout = \'2s\'; CREATE INDEX CONCURRENTLY i ON t (a);',
];

const knexSeeds = [
  "exports.up = function (knex) {\n  return knex.schema.dropTable('users');\n};\nexports.down = function () {};\n",
  "exports.up = async (knex) => {\n  await knex.schema.alterTable('users', (t) => {\n    t.dropColumn('nick');\n    t.string('email').notNullable().alter();\n    t.renameColumn('a', 'b');\n  });\n  await knex.raw(`CREATE INDEX i ON users (email); ${'${'}x}`);\n  await knex('users').update({ a: 1 });\n};\nexports.config = { transaction: false };\n",
  "import { Knex } from 'knex';\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.createTable('t', (t) => { t.increments(); t.string('name').notNullable(); });\n  await knex.schema.table('t', (t) => t.index(['name']));\n}\nexport async function down(knex: Knex): Promise<void> { await knex.schema.dropTable('t'); }\n",
  "exports.up = (pgm) => {\n  pgm.dropTable('users');\n  pgm.addColumn('t', { c: { type: 'int', notNull: true } });\n  pgm.createIndex('t', 'c');\n  pgm.sql('DROP TABLE x');\n};\nexports.down = false;\n",
  'const x = `unterminated template ${ ;\nexports.up = (knex) => knex.raw("DROP TABLE',
];

const pySeeds = [
  '"""add column"""\nrevision = "abc123"\ndown_revision = "def456"\nfrom alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    op.drop_table("users")\n    op.add_column("t", sa.Column("c", sa.Integer(), nullable=False))\n    op.create_index("ix", "t", ["c"])\n    op.execute("DROP TABLE x")\n\ndef downgrade():\n    pass\n',
  'def upgrade():\n    with op.get_context().autocommit_block():\n        op.create_index("ix", "t", ["c"], postgresql_concurrently=True)\n    op.alter_column("t", "c", type_=sa.BigInteger(), nullable=False)\n    op.execute(sa.text("UPDATE t SET c = 1"))\n',
  'def upgrade(:\n    op.drop_column("t"\n  """unterminated',
];

const alphabet = ' \n\t;()\'"`$-/*#{}[],.:=\\é☕𝄞\u0000\uFEFFABCDEFGHIJabcdefghijklmnopqrstuvwxyz0123456789';
const tokens = ['CREATE', 'TABLE', 'INDEX', 'CONCURRENTLY', 'DROP', 'ALTER', 'COLUMN', 'NOT NULL', 'DEFAULT', '$$', "'", '"', '`', '${', '/*', '--', ';', '(', ')', 'knex.raw(', 'op.execute(', 'def ', 'exports.up =', '\n', '  ', 'BEGIN', 'COMMIT', 'E\'\\\'', '-- migration-guard-ignore-file', '# migration-guard-ignore'];

/** One document given to analyze(). */
export interface FuzzCase {
  fileName: string;
  text: string;
  dialect: 'postgresql' | 'sqlite';
}

function mutate(rand: () => number, text: string): string {
  let s = text;
  const n = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rand() * (s.length + 1));
    const op = rand();
    if (op < 0.25) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 10)); // delete
    else if (op < 0.5) s = s.slice(0, at) + pick(rand, tokens) + s.slice(at); // insert a token
    else if (op < 0.65) s = s.slice(0, at) + pick(rand, [...alphabet]) + s.slice(at); // insert a char
    else if (op < 0.8) {
      const from = Math.floor(rand() * s.length);
      s = s.slice(0, at) + s.slice(from, from + Math.floor(rand() * 40)) + s.slice(at); // duplicate a slice
    } else if (op < 0.9) s = s.slice(0, at); // truncate
    else s = s.replace(/[;)]/, ''); // drop a delimiter
  }
  return s;
}

function randomText(rand: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += rand() < 0.3 ? pick(rand, tokens) + ' ' : pick(rand, [...alphabet]);
  return s;
}

/** The `index`-th case for `seed`: a third random text, two thirds mutated seeds; SQL, JS/TS and Python in turn. */
export function fuzzCase(seed: number, index: number): FuzzCase {
  const rand = prng(seed * 1_000_003 + index);
  const kind = index % 3;
  const random = rand() < 0.33;
  if (kind === 0) {
    const dialect = rand() < 0.7 ? 'postgresql' : 'sqlite';
    const base = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick(rand, sqlSeeds)).join('\n');
    return { fileName: rand() < 0.1 ? `db/${index}.down.sql` : `db/${index}.sql`, text: random ? randomText(rand, Math.floor(rand() * 400)) : mutate(rand, base), dialect };
  }
  if (kind === 1) {
    const ext = pick(rand, ['.js', '.ts', '.cjs', '.mjs']);
    return { fileName: `migrations/${index}${ext}`, text: random ? randomText(rand, Math.floor(rand() * 400)) : mutate(rand, pick(rand, knexSeeds)), dialect: rand() < 0.8 ? 'postgresql' : 'sqlite' };
  }
  return { fileName: `alembic/versions/${index}_rev.py`, text: random ? randomText(rand, Math.floor(rand() * 400)) : mutate(rand, pick(rand, pySeeds)), dialect: 'postgresql' };
}

/** Outcome of {@link runFuzz}. */
export interface FuzzReport {
  count: number;
  /** Slowest analyze() call, ms. */
  maxMs: number;
  p99Ms: number;
  /** Cases whose analyze() threw (must stay empty). */
  thrown: { fileName: string; error: string; text: string }[];
  /** Cases slower than the limit on the first call AND on up to 3 re-timings (a GC pause or a busy shared CPU is not the analyzer). */
  slow: { fileName: string; ms: number; text: string }[];
  /** Cases over the limit on the first call only (fast when timed again). */
  slowOnce: number;
  /** Cases whose findings were malformed (offsets outside the text, end < start). */
  malformed: { fileName: string; text: string }[];
  /** Cases where a parser or rule crashed inside analyze() (an `analyzer-error` finding; must stay empty). */
  analyzerErrors: { fileName: string; message: string; text: string }[];
}

/**
 * Runs `count` cases through analyze() and checks: no exception escapes, no parser or rule crashes inside (no
 * `analyzer-error` finding), each call returns within `limitMs`, every finding's range lies inside the text.
 */
export async function runFuzz(count: number, seed = 1, limitMs = 200): Promise<FuzzReport> {
  await initAnalyzer();
  const times: number[] = [];
  const report: FuzzReport = { count, maxMs: 0, p99Ms: 0, thrown: [], slow: [], slowOnce: 0, malformed: [], analyzerErrors: [] };
  // Warm-up, untimed: the first document of each kind loads its parser (TypeScript, sql-parser-cst, tree-sitter).
  for (const warm of [fuzzCase(seed, 0), fuzzCase(seed, 1), fuzzCase(seed, 2), { ...fuzzCase(seed, 0), dialect: 'sqlite' as const }, { ...fuzzCase(seed, 0), dialect: 'postgresql' as const }]) {
    try {
      analyze(warm.text, { fileName: warm.fileName, dialect: warm.dialect });
    } catch {
      // counted below when it happens in the timed run
    }
  }
  for (let i = 0; i < count; i++) {
    const c = fuzzCase(seed, i);
    const started = performance.now();
    let findings;
    try {
      findings = analyze(c.text, { fileName: c.fileName, dialect: c.dialect });
    } catch (error) {
      report.thrown.push({ fileName: c.fileName, error: String(error), text: c.text });
      continue;
    }
    const ms = performance.now() - started;
    times.push(ms);
    if (ms > limitMs) {
      // Re-time up to 3 times: slow every time is the analyzer; fast once is a pause of the (shared) machine.
      let best = ms;
      for (let k = 0; k < 3 && best > limitMs; k++) {
        const again = performance.now();
        analyze(c.text, { fileName: c.fileName, dialect: c.dialect });
        best = Math.min(best, performance.now() - again);
      }
      if (best > limitMs) report.slow.push({ fileName: c.fileName, ms: best, text: c.text });
      else report.slowOnce++;
    }
    if (!Array.isArray(findings) || findings.some((f) => !(f.start >= 0 && f.end >= f.start && f.end <= c.text.length && typeof f.ruleId === 'string'))) {
      report.malformed.push({ fileName: c.fileName, text: c.text });
    }
    const crash = Array.isArray(findings) ? findings.find((f) => f.ruleId === 'analyzer-error') : undefined;
    if (crash) report.analyzerErrors.push({ fileName: c.fileName, message: crash.message, text: c.text });
  }
  report.maxMs = times.length ? Math.max(...times) : 0;
  report.p99Ms = percentile(times, 99);
  return report;
}

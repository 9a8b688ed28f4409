/**
 * The rewriting fix of adding-required-field run for real on PostgreSQL (MG_TEST_PG_URL): the generated Knex
 * migrations, applied by Knex to a table with rows, leave the column NOT NULL and backfilled in batches (refusing to
 * run while the value is not filled in), and their `down`s (with the original's, commented out where it dropped the
 * column) undo it all; the generated .up.sql/.down.sql pair run through the pg client do the same.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import knexFactory from 'knex';
import pg from 'pg';
import { analyze, applyEdits } from '../../server/src/lint';
import { requiredFieldFix } from '../../server/src/migrations/project/required-field-fix';
import { analyzerUnavailable, pgSkip, tempDir, usePgDatabase, writeFiles } from './helpers';

const ORIGINAL = `exports.up = async function (knex) {
  await knex.schema.alterTable('users', (t) => {
    t.string('nick');
    t.string('email', 120).notNullable();
  });
};

exports.down = async function (knex) {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('email');
    t.dropColumn('nick');
  });
};
`;

/** The fix for the adding-required-field finding of `text`. */
function fixOf(text: string, fileName: string, siblings: string[], downText?: string) {
  const finding = analyze(text, { fileName, dialect: 'postgresql' }).find((f) => f.ruleId === 'adding-required-field');
  assert.ok(finding);
  const fix = requiredFieldFix({ text, fileName, dialect: 'postgresql', offset: finding.start, siblings, now: new Date(), downText });
  assert.ok(fix);
  return fix;
}

void describe('the rewritten adding-required-field on PostgreSQL (MG_TEST_PG_URL)', { skip: pgSkip('required-field fix on PostgreSQL') }, () => {
  const db = usePgDatabase('reqfix');

  const columnState = async (table: string, column: string) => {
    const rows = await db.query<{ is_nullable: string }>('SELECT is_nullable FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', [table, column]);
    return rows[0]?.is_nullable ?? 'absent';
  };

  void it('Knex: the four files make the column NOT NULL with every row backfilled; rollback undoes it', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir('mg-reqfix-knex-');
    const quiet = () => undefined;
    const knex = knexFactory({ client: 'pg', connection: db.url(), migrations: { directory: path.join(dir, 'migrations') }, log: { warn: quiet, error: quiet, debug: quiet, deprecate: quiet } });
    try {
      // 2,500 rows: three batches of 1,000.
      await db.query('CREATE TABLE users (id serial PRIMARY KEY, name text); INSERT INTO users (name) SELECT \'n\' || g FROM generate_series(1, 2500) g');
      const original = '20260101000000_add_email.js';
      const fix = fixOf(ORIGINAL, original, [original]);
      writeFiles(dir, { [`migrations/${original}`]: applyEdits(ORIGINAL, fix.edits) });
      for (const f of fix.files) writeFiles(dir, { [`migrations/${f.fileName}`]: f.text });

      // The value is not filled in: the backfill refuses; the nullable column (its own migration) is there.
      await assert.rejects(knex.migrate.latest(), /Fill in BACKFILL_VALUE/);
      assert.equal(await columnState('users', 'email'), 'YES');
      assert.equal(await columnState('users', 'nick'), 'YES');

      const backfill = path.join(dir, 'migrations', fix.files[1]!.fileName);
      writeFileSync(backfill, readFileSync(backfill, 'utf8').replace('const BACKFILL_VALUE = null;', `const BACKFILL_VALUE = "'user' || id";`));
      // Knex require()s migration files: the first attempt's module is cached.
      delete require.cache[backfill];
      await knex.migrate.latest();
      assert.equal(await columnState('users', 'email'), 'NO');
      const [counts] = await db.query<{ nulls: string; right: string }>("SELECT count(*) FILTER (WHERE email IS NULL) AS nulls, count(*) FILTER (WHERE email = 'user' || id) AS right FROM users");
      assert.deepEqual(counts, { nulls: '0', right: '2500' });
      assert.deepEqual(await db.query("SELECT conname FROM pg_constraint WHERE conname = 'users_email_not_null'"), [], 'the helper check is dropped');
      await assert.rejects(db.query("INSERT INTO users (name) VALUES ('x')"), /null value in column "email"/);

      // Rolled back step by step: the original's down runs last and no longer drops the column twice.
      await knex.migrate.rollback(undefined, true);
      assert.equal(await columnState('users', 'email'), 'absent');
      assert.equal(await columnState('users', 'nick'), 'absent');
      assert.equal((await db.query('SELECT count(*)::int AS n FROM users'))[0]!.n, 2500);
    } finally {
      await knex.destroy();
      await db.query('DROP TABLE IF EXISTS users, knex_migrations, knex_migrations_lock');
      cleanup();
    }
  });

  void it('SQL .up.sql/.down.sql: the files run (the DO block commits per batch) and their downs undo them', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    await db.query("CREATE TABLE orders (id bigserial PRIMARY KEY, price int); INSERT INTO orders (price) SELECT g FROM generate_series(1, 2100) g");
    const up = 'ALTER TABLE orders ADD COLUMN total int NOT NULL;\n';
    const fix = fixOf(up, '000001_total.up.sql', ['000001_total.up.sql', '000001_total.down.sql'], 'ALTER TABLE orders DROP COLUMN total;\n');
    const ups = fix.files.filter((f) => f.fileName.endsWith('.up.sql'));
    const downs = fix.files.filter((f) => f.fileName.endsWith('.down.sql')).reverse();
    const client = new pg.Client({ connectionString: db.url() });
    await client.connect();
    try {
      for (const f of ups) await client.query(f.text.replace('= FILL_IN_VALUE', '= price * 2'));
      assert.equal(await columnState('orders', 'total'), 'NO');
      const [counts] = await db.query<{ right: string }>('SELECT count(*) FILTER (WHERE total = price * 2) AS right FROM orders');
      assert.equal(counts!.right, '2100');
      for (const f of downs) await client.query(f.text);
      assert.equal(await columnState('orders', 'total'), 'absent');
    } finally {
      await client.end();
      await db.query('DROP TABLE IF EXISTS orders');
    }
  });
});

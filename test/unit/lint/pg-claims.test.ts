/**
 * Checks the analyzer's PostgreSQL claims and fixes against a real server. Needs MG_TEST_PG_URL
 * (`scripts/pg-cluster.sh start DIR PORT` prints one); skipped without it. Each run uses a fresh database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { analyze, applyEdits, initAnalyzer } from '../../../server/src/lint';
import { pg as pgOptions } from './helpers';

const baseUrl = process.env.MG_TEST_PG_URL;
const skip = baseUrl ? false : 'MG_TEST_PG_URL is not set: PostgreSQL claim tests skipped (scripts/pg-cluster.sh start DIR PORT prints a URL)';

void describe('analyzer claims on a real PostgreSQL (MG_TEST_PG_URL)', { skip }, () => {
  const dbName = `mg_lint_${process.pid}_${Date.now()}`;
  let admin: pg.Client;
  let db: pg.Client;

  before(async () => {
    await initAnalyzer();
    admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(baseUrl!);
    url.pathname = `/${dbName}`;
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await db.query("CREATE TABLE users (id int PRIMARY KEY, email text); INSERT INTO users SELECT g, 'e' || g FROM generate_series(1, 100) g; CREATE TABLE orders (id int, user_id int, qty int);");
  });

  after(async () => {
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin?.end();
  });

  const filenode = async (): Promise<string> => String((await db.query<{ f: string }>("SELECT pg_relation_filenode('users')::text AS f")).rows[0]!.f);

  void it('a volatile default rewrites the table (reported), now() does not (not reported)', async () => {
    const stable = 'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();';
    const volatile = 'ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();';
    assert.deepEqual(analyze(stable, pgOptions).filter((f) => f.ruleId === 'adding-field-with-volatile-default'), []);
    assert.equal(analyze(volatile, pgOptions).filter((f) => f.ruleId === 'adding-field-with-volatile-default').length, 1);
    const before = await filenode();
    await db.query(stable);
    assert.equal(await filenode(), before, 'now() default: no rewrite');
    await db.query(volatile);
    assert.notEqual(await filenode(), before, 'gen_random_uuid() default: table rewritten');
  });

  void it('CONCURRENTLY is rejected in BEGIN … COMMIT and in a DO block, as concurrently-in-transaction says', async () => {
    for (const sql of ['BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;', 'DO $$ BEGIN CREATE INDEX CONCURRENTLY users_email_idx ON users (email); END $$;']) {
      assert.equal(analyze(sql, pgOptions).filter((f) => f.ruleId === 'concurrently-in-transaction').length, 1, sql);
      await assert.rejects(db.query(sql), /CONCURRENTLY cannot (run inside a transaction block|be executed from a function)/);
      await db.query('ROLLBACK').catch(() => undefined);
    }
  });

  void it('the fixed SQL runs: NOT VALID + VALIDATE, CONCURRENTLY, IF [NOT] EXISTS', async () => {
    const cases: [string, string][] = [
      ['constraint-missing-not-valid', 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);'],
      ['constraint-missing-not-valid', 'ALTER TABLE "orders"\n  ADD CONSTRAINT "Qty" CHECK (qty > 0),\n  ADD COLUMN note text'],
      ['require-concurrent-index-creation', 'CREATE INDEX users_email_idx2 ON users (email);'],
      ['require-concurrent-index-deletion', 'DROP INDEX IF EXISTS users_email_idx2;'],
    ];
    for (const [ruleId, sql] of cases) {
      const fix = analyze(sql, pgOptions).find((f) => f.ruleId === ruleId)?.fix;
      assert.ok(fix, `${ruleId} offers a fix for ${sql}`);
      const fixed = applyEdits(sql, fix.edits);
      await db.query(fixed);
    }
    const robust = 'CREATE INDEX CONCURRENTLY i3 ON users (email);\nALTER TABLE users ADD COLUMN nickname text;';
    let text = robust;
    for (let k = 0; k < 2; k++) {
      const f = analyze(text, pgOptions).find((x) => x.ruleId === 'prefer-robust-stmts');
      text = applyEdits(text, f!.fix!.edits);
    }
    // Robust statements can run twice.
    for (const stmt of text.split(';').filter((s) => s.trim())) {
      await db.query(stmt);
      await db.query(stmt);
    }
  });
});

/**
 * PostgreSQL texts parsed in chunks (sql-postgres.ts `parseWhole`): the parsed document and the findings are those of
 * one parse of the whole text, wherever the chunks are cut — after statements that hold quotes, dollar quotes,
 * comments with `;`, `BEGIN ATOMIC` bodies, non-ASCII text — and on texts with syntax errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyze, initAnalyzer, parseDocument, rules } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';
import { setChunkSizeForTesting } from '../../../server/src/lint/parsers/sql-postgres';
import { generatePostgresMigration, pick, prng } from '../../../bench/generate';

let restore: (() => void) | undefined;
before(async () => {
  await initAnalyzer();
});
after(() => restore?.());

const allOn: AnalyzeOptions['rules'] = Object.fromEntries(rules.map((r) => [r.id, (r.defaultSeverity as string) === 'off' ? 'warning' : r.defaultSeverity] as const));
const options: AnalyzeOptions = { fileName: 'db/0001_chunks.sql', dialect: 'postgresql', rules: allOn };

/** Statements with a `;` that does not end them, in quotes and comments, where a chunk must not be cut. */
const TRICKY = [
  '-- a comment; with a semicolon\nDROP TABLE a, b CASCADE;',
  'SELECT 1; -- trailing; SELECT 2;\nDROP INDEX i1;',
  'ALTER TABLE t ADD COLUMN c int NOT NULL; -- x; DROP TABLE hidden;\nCREATE INDEX j ON t (c);',
  "UPDATE users SET name = 'x;y' /* comment; with ; semicolons /* nested; */ still; */;",
  "SELECT E'it\\'s; fine', 'doubled '';'' quote', \"odd;\"\"name\" FROM t;",
  'DO $$ BEGIN CREATE INDEX i ON t(c); ALTER TABLE t DROP COLUMN z; END $$;',
  'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN DROP TABLE q; END $f$;',
  'SELECT a$b$c; SELECT $1; DROP TABLE d;',
  'ALTER TABLE ☕ ADD COLUMN é int NOT NULL, DROP COLUMN x; -- tail é;',
  'CREATE TABLE "𝄞;" (id int); TRUNCATE t1, t2 RESTART IDENTITY;',
  'BEGIN; CREATE INDEX CONCURRENTLY x ON t (a); COMMIT;',
  'SET lock_timeout = \'2s\';\r-- cr only; then\rDROP TABLE cr;',
  ';;  ;',
];

/** Statements with a `;` that does not end them which the cut does not see: a chunk cut there fails to parse, and the whole text is parsed at once. */
const BODIES = [
  'CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;',
  'CREATE PROCEDURE p() BEGIN ATOMIC UPDATE t SET a = 1; DELETE FROM t; END;',
  'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));',
];

/** A text of generated statements with `tricky` ones among them, mixed by `seed`. */
function mixed(seed: number, count: number, tricky: readonly string[] = TRICKY): string {
  const rand = prng(seed);
  const generated = generatePostgresMigration(count, seed).split('\n');
  return generated.map((line) => (rand() < 0.2 ? `${pick(rand, tricky)}\n${line}` : line)).join(rand() < 0.5 ? '\n' : ' ');
}

/** The parsed document and findings of `text`, with chunks of at least `units` (0: one parse of the whole text). */
function read(text: string, units: number): { doc: ReturnType<typeof parseDocument>; findings: ReturnType<typeof analyze> } {
  restore = setChunkSizeForTesting(units);
  try {
    return { doc: parseDocument(text, options), findings: analyze(text, options) };
  } finally {
    restore();
  }
}

void describe('PostgreSQL parsing in chunks', () => {
  void it('gives the document and findings of a whole parse, chunks cut after every kind of statement', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const text = mixed(seed, 150);
      const whole = read(text, 0);
      assert.ok(whole.doc.syntaxErrors.length === 0 && whole.findings.length > 50, `seed ${seed} parses and has findings`);
      for (const units of [1, 7, 64, 500]) assert.deepEqual(read(text, units), whole, `seed ${seed}, chunks of ${units}`);
    }
  });

  void it('gives the document and findings of a whole parse when a chunk is cut inside a BEGIN ATOMIC or rule body', () => {
    for (let seed = 20; seed <= 23; seed++) {
      const text = mixed(seed, 150, [...TRICKY, ...BODIES]);
      const whole = read(text, 0);
      for (const units of [1, 64, 500]) assert.deepEqual(read(text, units), whole, `seed ${seed}, chunks of ${units}`);
    }
  });

  void it('gives the result of a whole parse on syntax errors and unterminated quotes and comments', () => {
    const base = mixed(99, 80);
    const broken = [`${base}\nselec 1;\n${base}`, `${base}\nSELECT 'open;\n${base}`, `${base}\n/* open; ${base}`, `${base}\nDO $$ BEGIN; ${base}`, `${base}\nCREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;`];
    for (const text of broken) {
      const whole = read(text, 0);
      for (const units of [1, 50, 400]) assert.deepEqual(read(text, units), whole, `${text.slice(base.length, base.length + 40)}, chunks of ${units}`);
    }
  });

  void it('parses a text longer than two chunks in chunks by default', () => {
    const text = generatePostgresMigration(400, 5);
    assert.ok(text.length > 2 * 4096);
    assert.deepEqual(read(text, 4096), read(text, 0));
  });
});

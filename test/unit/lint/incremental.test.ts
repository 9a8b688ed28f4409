/**
 * Incremental PostgreSQL parsing (setIncrementalPostgresParsing): on random edits of a migration, findings and the
 * parsed document are identical to a full parse of the same text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyze, initAnalyzer, parseDocument, rules } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';
import { setIncrementalPostgresParsing } from '../../../server/src/lint/parsers/sql-postgres';
import { generatePostgresMigration, pick, prng } from '../../../bench/generate';

before(async () => {
  await initAnalyzer();
});
after(() => setIncrementalPostgresParsing(0));

const allOn: AnalyzeOptions['rules'] = Object.fromEntries(rules.map((r) => [r.id, (r.defaultSeverity as string) === 'off' ? 'warning' : r.defaultSeverity] as const));
const options: AnalyzeOptions = { fileName: 'db/0001_edit.sql', dialect: 'postgresql', rules: allOn };

const TRICKY = [
  "-- header comment\nDROP TABLE a, b CASCADE; /* x */ TRUNCATE t1 , t2 RESTART IDENTITY;",
  "ALTER TABLE ☕ ADD COLUMN é int NOT NULL, DROP COLUMN x; -- tail é",
  "DO $$ BEGIN CREATE INDEX i ON t(c); ALTER TABLE t DROP COLUMN z; END $$;",
  "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN DROP TABLE q; END $f$;",
  "BEGIN; CREATE INDEX CONCURRENTLY x ON t (a); COMMIT;",
  "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;",
  "SELECT 'a;b', E'c\\';d', $q$ ; $q$; DROP INDEX i1, i2;",
  "CREATE INDEX ON {{ .Schema }}.t (c); UPDATE t SET a = 1;",
];
const INSERTS = [';', "'", '"', '$$', '/*', '*/', '--', '\n', 'DROP TABLE zz;', ' CONCURRENTLY', 'BEGIN;', 'COMMIT;', '(', ')', 'é', '𝄞', 'selec ', "SET lock_timeout = '2s';"];

/** Applies one random edit (replace a line, insert a fragment, delete a few characters). */
function edit(rand: () => number, text: string, version: number): string {
  const lines = text.split('\n');
  const r = rand();
  const line = Math.floor(rand() * lines.length);
  if (r < 0.4) {
    lines[line] = pick(rand, [`DROP TABLE IF EXISTS edited_${version};`, `ALTER TABLE users ADD COLUMN c_${version} text NOT NULL;`, `CREATE INDEX idx_${version} ON orders (a);`, pick(rand, TRICKY), '']);
    return lines.join('\n');
  }
  const at = Math.floor(rand() * (text.length + 1));
  if (r < 0.8) return text.slice(0, at) + pick(rand, INSERTS) + text.slice(at);
  return text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8));
}

void describe('incremental PostgreSQL parsing', () => {
  void it('gives the same findings and parsed document as a full parse on 200 random edits', () => {
    const rand = prng(42);
    const texts: string[] = [];
    let text = `${generatePostgresMigration(120, 3)}\n${TRICKY.join('\n')}\n${generatePostgresMigration(60, 4)}`;
    for (let v = 0; v < 200; v++) {
      // Every 40 edits, restore a valid text so errors do not accumulate (and the piece cache is used).
      if (v % 40 === 0) text = `${generatePostgresMigration(120, 3 + v)}\n${TRICKY.join('\n')}`;
      text = edit(rand, text, v);
      texts.push(text);
    }
    setIncrementalPostgresParsing(0);
    const full = texts.map((t) => ({ findings: analyze(t, options), doc: parseDocument(t, options) }));
    setIncrementalPostgresParsing(500);
    let withFindings = 0;
    texts.forEach((t, i) => {
      const findings = analyze(t, options);
      assert.deepEqual(findings, full[i]!.findings, `findings after edit ${i}`);
      assert.deepEqual(parseDocument(t, options), full[i]!.doc, `document after edit ${i}`);
      if (findings.length > 0) withFindings++;
    });
    assert.ok(withFindings > 150, `most edited texts have findings (${withFindings})`);
  });

  void it('matches the full parse on syntax errors, unterminated comments and quotes', () => {
    const texts = ['DROP TABLE a; DROP TABLE b; /* open', 'DROP TABLE a; DROP TABLE b; /* closed */', 'DROP TABLE a; selec 1; DROP TABLE b;', "DROP TABLE a; SELECT 'open"];
    setIncrementalPostgresParsing(0);
    const full = texts.map((t) => parseDocument(t, options));
    setIncrementalPostgresParsing(100);
    for (const t of texts) parseDocument(t, options);
    texts.forEach((t, i) => assert.deepEqual(parseDocument(t, options), full[i], t));
    assert.equal(full[2]!.syntaxErrors.length, 1);
  });

  void it('reuses unchanged statements: a small edit of a large file re-parses quickly and stays correct', () => {
    setIncrementalPostgresParsing(0);
    const base = generatePostgresMigration(1000, 9);
    const edited = base.replace(/\n/, '\nDROP TABLE freshly_dropped;\n');
    const expected = analyze(edited, options);
    setIncrementalPostgresParsing(5000);
    analyze(base, options); // warms the piece cache
    const found = analyze(edited, options);
    assert.deepEqual(found, expected);
    assert.ok(found.some((f) => f.ruleId === 'ban-drop-table' && edited.slice(f.start, f.end) === 'DROP TABLE freshly_dropped'));
  });
});

/**
 * The analyzer fails closed (issue 12, item 3): a parser or rule exception is an `analyzer-error` finding of error
 * severity, never fewer findings; and a JavaScript/TypeScript module that does not parse is a `syntax-error`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addRulesForTesting, analyze, initAnalyzer, type Rule } from '../../../server/src/lint';
import { main, type CliIo } from '../../../server/src/cli/main';

before(async () => {
  await initAnalyzer();
});

/** A rule that throws a TypeError (two-line message) when it sees a DROP TABLE, and finds nothing otherwise. */
const throwsOnDropTable: Rule = {
  meta: { id: 'test-throws-on-drop', defaultSeverity: 'warning', title: 'test', description: 'test', help: 'test', docsPath: 'docs/rules/none.md' },
  check(ctx) {
    if (ctx.doc.operations.some((op) => op.type === 'dropTable')) throw new TypeError("Cannot read properties of undefined (reading 'table')\n    at a stack line");
    return [];
  },
};

/** A rule that throws only when it sees two operations at once: no single statement makes it throw. */
const throwsOnTwoOperations: Rule = {
  meta: { id: 'test-throws-on-two', defaultSeverity: 'info', title: 'test', description: 'test', help: 'test', docsPath: 'docs/rules/none.md' },
  check(ctx) {
    if (ctx.doc.operations.length > 1) throw new RangeError('two at once');
    return [];
  },
};

/** Knex migration nested `depth` parentheses deep: the Knex parser's recursive walk runs out of stack at 1,000. */
function deeplyNested(depth: number): string {
  return `exports.up = (knex) => ${'('.repeat(depth)}knex.schema.dropTable('users')${')'.repeat(depth)};\nexports.down = () => {};\n`;
}

void describe('analyzer-error: a crash is a finding, not silence', () => {
  void it('a rule that throws gives analyzer-error (error) at the statement that makes it throw; the other rules still report', () => {
    const off = addRulesForTesting(throwsOnDropTable);
    try {
      const text = 'CREATE TABLE a (id int);\nDROP TABLE b;\n';
      const found = analyze(text, { fileName: 'm.sql' });
      const crash = found.filter((f) => f.ruleId === 'analyzer-error');
      assert.equal(crash.length, 1);
      assert.equal(crash[0]!.severity, 'error');
      assert.equal(text.slice(crash[0]!.start, crash[0]!.end), 'DROP TABLE b');
      assert.match(crash[0]!.message, /test-throws-on-drop/);
      assert.match(crash[0]!.message, /TypeError: Cannot read properties of undefined \(reading 'table'\)/);
      assert.doesNotMatch(crash[0]!.message, /stack line/, 'only the first line of the exception');
      assert.ok(found.some((f) => f.ruleId === 'ban-drop-table'), 'the other rules still run');
    } finally {
      off();
    }
  });

  void it('neither the configuration nor an ignore comment silences it, and an ignore of the crashed rule is not called unused', () => {
    const off = addRulesForTesting(throwsOnDropTable);
    try {
      const text = '-- migration-guard-ignore test-throws-on-drop, analyzer-error: reviewed\nDROP TABLE b;\n';
      const found = analyze(text, { fileName: 'm.sql', rules: { 'analyzer-error': 'off', 'ban-drop-table': 'off' } });
      assert.deepEqual(
        found.map((f) => [f.ruleId, f.severity]),
        [['analyzer-error', 'error']],
      );
    } finally {
      off();
    }
  });

  void it('a rule crash no single statement causes is reported on the first line', () => {
    const off = addRulesForTesting(throwsOnTwoOperations);
    try {
      // One operation per statement (a CREATE TABLE also gives one columnDefinition per column).
      const text = 'DROP TABLE a;\nDROP TABLE b;\n';
      const crash = analyze(text, { fileName: 'm.sql' }).filter((f) => f.ruleId === 'analyzer-error');
      assert.equal(crash.length, 1);
      assert.deepEqual([crash[0]!.start, crash[0]!.end], [0, text.indexOf('\n')]);
      assert.match(crash[0]!.message, /test-throws-on-two crashed on this file \(RangeError: two at once\)/);
    } finally {
      off();
    }
  });

  void it('a parser exception gives one analyzer-error at the file start, naming the parser, and nothing else', () => {
    const text = deeplyNested(1000);
    for (const options of [{ fileName: 'm.js' }, { fileName: 'm.js', kind: 'knex' as const }, { fileName: 'm.ts', dialect: 'sqlite' as const }]) {
      const found = analyze(text, options);
      assert.deepEqual(
        found.map((f) => [f.ruleId, f.severity, f.start]),
        [['analyzer-error', 'error', 0]],
        JSON.stringify(options),
      );
      assert.match(found[0]!.message, /the Knex parser threw RangeError: Maximum call stack size exceeded/);
    }
    // The same statement, nested less, is read: the crash is the parser's, not the input's.
    assert.ok(analyze(deeplyNested(3), { fileName: 'm.js' }).some((f) => f.ruleId === 'ban-drop-table'));
  });
});

void describe('syntax-error in JavaScript/TypeScript modules', () => {
  void it('reports the first parse error of a Knex module at its position', () => {
    const text = "exports.up = (knex) => knex.schema.createTable('a', (t) => { t.increments( });\nexports.down = (knex) => knex.schema.dropTable('a');\n";
    const found = analyze(text, { fileName: 'm.js' }).filter((f) => f.ruleId === 'syntax-error');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.severity, 'error');
    assert.equal(found[0]!.start, text.indexOf('});'));
    assert.match(found[0]!.message, /^Syntax error: /);
  });

  void it('reports a TypeScript module cut short and a node-pg-migrate module', () => {
    const ts = "export async function up(knex: Knex): Promise<void> {\n  await knex.schema.createTable('a', (t) => {\n";
    assert.equal(analyze(ts, { fileName: 'm.ts' }).filter((f) => f.ruleId === 'syntax-error').length, 1);
    const pgm = "exports.up = (pgm) => { pgm.createTable('a', { id: 'id' }; };\n";
    const found = analyze(pgm, { fileName: 'm.js' }).filter((f) => f.ruleId === 'syntax-error');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.start, pgm.indexOf(';'));
  });

  void it('a valid module has none', () => {
    const text = "import type { Knex } from 'knex';\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.createTable('a', (t) => { t.increments(); });\n}\nexport async function down(knex: Knex): Promise<void> {\n  await knex.schema.dropTable('a');\n}\n";
    assert.deepEqual(analyze(text, { fileName: 'm.ts' }).filter((f) => f.ruleId === 'syntax-error'), []);
  });
});

void describe('check fails closed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-analyzer-error-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function check(file: string): Promise<{ code: number; out: string }> {
    let out = '';
    const io: CliIo = { stdout: (t) => void (out += t), stderr: () => {}, isTTY: false, ask: () => Promise.resolve(''), cwd: dir };
    const code = await main(['check', '--json', file], io);
    return { code, out };
  }

  void it('exits 1 when a rule throws (analyzer-error in the JSON)', async () => {
    writeFileSync(path.join(dir, 'rename.sql'), 'ALTER TABLE a RENAME TO b;\nDROP TABLE c;\n');
    const off = addRulesForTesting(throwsOnDropTable);
    try {
      const { code, out } = await check('rename.sql');
      const findings = (JSON.parse(out) as { findings: Array<{ ruleId: string; severity: string; line: number }> }).findings;
      assert.deepEqual(
        findings.filter((f) => f.ruleId === 'analyzer-error').map((f) => [f.severity, f.line]),
        [['error', 2]],
      );
      assert.equal(code, 1);
    } finally {
      off();
    }
  });

  void it('exits 1 on a parser crash', async () => {
    writeFileSync(path.join(dir, 'deep.js'), deeplyNested(1000));
    const { code, out } = await check('deep.js');
    assert.deepEqual((JSON.parse(out) as { findings: Array<{ ruleId: string; line: number; column: number }> }).findings.map((f) => [f.ruleId, f.line, f.column]), [['analyzer-error', 1, 1]]);
    assert.equal(code, 1);
  });

  void it('exits 1 on a JavaScript syntax error, with its line and column', async () => {
    writeFileSync(path.join(dir, '20240101_a.js'), "// create a\nexports.up = (knex) => knex.schema.createTable('a', (t) => { t.increments( });\nexports.down = (knex) => knex.schema.dropTable('a');\n");
    const { code, out } = await check('20240101_a.js');
    const findings = (JSON.parse(out) as { findings: Array<{ ruleId: string; line: number; column: number }> }).findings;
    assert.deepEqual(
      findings.filter((f) => f.ruleId === 'syntax-error').map((f) => [f.line, f.column]),
      [[2, 76]],
    );
    assert.equal(code, 1);
  });
});

/**
 * The ignore quick fixes produce comments the analyzer honours: applying the edit and analyzing again
 * removes the finding (in SQL, in Knex code, and inside multi-line knex.raw SQL).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, initAnalyzer, type Finding } from '../../server/src/lint';
import { fixActions, ignoreActions, insideTemplateLiteral, toDiagnostic } from '../../server/src/lsp/convert';

before(() => initAnalyzer());

function applyFirstEdit(doc: TextDocument, title: string): string {
  const findings = analyze(doc.getText(), { fileName: doc.uri });
  const diagnostics = findings.map((f) => toDiagnostic(doc, f));
  const action = ignoreActions(doc, diagnostics).find((a) => a.title === title);
  assert.ok(action, `${title} offered`);
  const edits = action.edit?.changes?.[doc.uri];
  assert.ok(edits && edits.length === 1);
  return TextDocument.applyEdits(doc, edits);
}

const cases: { name: string; uri: string; lang: string; text: string; rule: string; expectLine: RegExp }[] = [
  { name: 'SQL file', uri: 'file:///w/db/001.sql', lang: 'sql', text: 'CREATE TABLE a (id int);\n  DROP TABLE users;\n', rule: 'ban-drop-table', expectLine: /^ {2}-- migration-guard-ignore ban-drop-table/m },
  {
    name: 'Knex schema call',
    uri: 'file:///w/migrations/1.js',
    lang: 'javascript',
    text: "exports.up = (knex) => {\n  return knex.schema.dropTable('users');\n};\nexports.down = () => {};\n",
    rule: 'ban-drop-table',
    expectLine: /^ {2}\/\/ migration-guard-ignore ban-drop-table/m,
  },
  {
    name: 'multi-line knex.raw SQL',
    uri: 'file:///w/migrations/2.js',
    lang: 'javascript',
    text: 'exports.up = (knex) => knex.raw(`\n  CREATE TABLE a (id int);\n  DROP TABLE users;\n`);\nexports.down = () => {};\n',
    rule: 'ban-drop-table',
    expectLine: /^ {2}-- migration-guard-ignore ban-drop-table/m,
  },
];

for (const c of cases) {
  test(`"ignore for this statement" silences ${c.rule} in a ${c.name}`, () => {
    const doc = TextDocument.create(c.uri, c.lang, 1, c.text);
    assert.ok(analyze(c.text, { fileName: c.uri }).some((f) => f.ruleId === c.rule), 'fires before');
    const edited = applyFirstEdit(doc, `Ignore ${c.rule} for this statement`);
    assert.match(edited, c.expectLine);
    assert.ok(!analyze(edited, { fileName: c.uri }).some((f) => f.ruleId === c.rule), `silenced after:\n${edited}`);
  });

  test(`"ignore for this file" silences ${c.rule} in a ${c.name}`, () => {
    const doc = TextDocument.create(c.uri, c.lang, 1, c.text);
    const edited = applyFirstEdit(doc, `Ignore ${c.rule} for this file`);
    assert.ok(!analyze(edited, { fileName: c.uri }).some((f) => f.ruleId === c.rule), `silenced after:\n${edited}`);
  });
}

test('insideTemplateLiteral counts backticks outside line comments', () => {
  const text = 'a = `x\n-- y\n` + `z`; // `\nb';
  assert.equal(insideTemplateLiteral(text, text.indexOf('y')), true);
  assert.equal(insideTemplateLiteral(text, text.indexOf('+')), false);
  assert.equal(insideTemplateLiteral(text, text.indexOf('b')), false);
  assert.equal(insideTemplateLiteral(text, text.indexOf('z')), true);
});

// Fixes: `Finding.fix` (optional) becomes `data.fix` on the diagnostic and a preferred quick fix.
type FixedFinding = Finding & { fix?: { title: string; edits: { start: number; end: number; newText: string }[] } };

test('a finding\'s fix travels in diagnostic.data as LSP edits and becomes a preferred quick fix', () => {
  const text = '-- ☕ 𝄞\nCREATE INDEX a_email ON accounts (email);\n';
  const doc = TextDocument.create('file:///w/db/1.sql', 'sql', 1, text);
  const at = text.indexOf('INDEX') + 'INDEX'.length;
  const finding: FixedFinding = {
    ruleId: 'require-concurrent-index-creation',
    severity: 'warning',
    message: 'm',
    start: text.indexOf('CREATE'),
    end: text.indexOf(';'),
    fix: { title: 'Add CONCURRENTLY', edits: [{ start: at, end: at, newText: ' CONCURRENTLY' }] },
  };
  const diagnostic = toDiagnostic(doc, finding);
  assert.deepEqual(diagnostic.data, { fix: { title: 'Add CONCURRENTLY', edits: [{ range: { start: { line: 1, character: 12 }, end: { line: 1, character: 12 } }, newText: ' CONCURRENTLY' }] } });
  const [action, ...none] = fixActions(doc, [diagnostic]);
  assert.equal(none.length, 0);
  assert.equal(action.title, 'Add CONCURRENTLY');
  assert.equal(action.kind, 'quickfix');
  assert.equal(action.isPreferred, true);
  assert.deepEqual(action.diagnostics, [diagnostic]);
  const edits = action.edit?.changes?.[doc.uri];
  assert.ok(edits);
  assert.equal(TextDocument.applyEdits(doc, edits), '-- ☕ 𝄞\nCREATE INDEX CONCURRENTLY a_email ON accounts (email);\n');
});

test('no fix, an empty fix, or another source: no data and no fix action', () => {
  const doc = TextDocument.create('file:///w/db/1.sql', 'sql', 1, 'DROP TABLE a;\n');
  const plain = toDiagnostic(doc, { ruleId: 'ban-drop-table', severity: 'error', message: 'm', start: 0, end: 12 });
  assert.equal(plain.data, undefined);
  const empty = toDiagnostic(doc, { ruleId: 'ban-drop-table', severity: 'error', message: 'm', start: 0, end: 12, fix: { title: 'x', edits: [] } } as FixedFinding);
  assert.equal(empty.data, undefined);
  const foreign = { ...toDiagnostic(doc, { ruleId: 'x', severity: 'error', message: 'm', start: 0, end: 1, fix: { title: 't', edits: [{ start: 0, end: 0, newText: 'y' }] } } as FixedFinding), source: 'other' };
  assert.deepEqual(fixActions(doc, [plain, empty, foreign]), []);
});

test('every fix the analyzer offers on sample migrations removes its finding and keeps the SQL valid', () => {
  const samples = [
    'DROP INDEX accounts_old_idx;\nALTER TABLE accounts ADD CONSTRAINT accounts_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nCREATE INDEX accounts_email ON accounts (email);\n',
    'CREATE TABLE users (id int);\nALTER TABLE accounts ADD COLUMN note text;\nDROP TABLE old_things;\nALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance > 0);\n',
  ];
  for (const text of samples) {
    const doc = TextDocument.create('file:///w/db/fix.sql', 'sql', 1, text);
    for (const finding of analyze(text, { fileName: doc.uri })) {
      const diagnostic = toDiagnostic(doc, finding);
      const [action] = fixActions(doc, [diagnostic]);
      if (!action) continue;
      const fixed = TextDocument.applyEdits(doc, action.edit?.changes?.[doc.uri] ?? []);
      const after = analyze(fixed, { fileName: doc.uri });
      const line = diagnostic.range.start.line;
      const fixedDoc = TextDocument.create(doc.uri, 'sql', 2, fixed);
      assert.ok(!after.some((f) => f.ruleId === finding.ruleId && fixedDoc.positionAt(f.start).line === line), `${action.title} fixed ${finding.ruleId}:\n${fixed}`);
      assert.ok(!after.some((f) => f.ruleId === 'syntax-error'), `valid after ${action.title}:\n${fixed}`);
    }
  }
});

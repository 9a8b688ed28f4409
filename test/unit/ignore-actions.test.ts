/**
 * The ignore quick fixes produce comments the analyzer honours: applying the edit and analyzing again
 * removes the finding (in SQL, in Knex code, and inside multi-line knex.raw SQL).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, initAnalyzer } from '../../server/src/lint';
import { ignoreActions, insideTemplateLiteral, toDiagnostic } from '../../server/src/lsp/convert';

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

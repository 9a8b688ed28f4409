/**
 * The server re-analyses after each edit reusing the parses of unchanged PostgreSQL statements
 * (setIncrementalPostgresParsing): after a series of incremental edits, the diagnostics published for the last
 * version equal those of a full analysis of the final text in this process (incremental parsing off), converted by
 * the server's own toDiagnostic.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { DidChangeTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { generatePostgresMigration } from '../../bench/generate';
import { analyze, initAnalyzer } from '../../server/src/lint';
import { toDiagnostic } from '../../server/src/lsp/convert';
import { startServer, type TestServer } from './client';

let workspace: string;
let server: TestServer;

before(async () => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lsp-edits-'));
  server = await startServer(workspace);
  await initAnalyzer();
});

after(async () => {
  await server.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
});

test('after 30 incremental edits (broken, then fixed) the diagnostics equal a full analysis of the final text', async () => {
  const lines = generatePostgresMigration(200, 3).split('\n');
  const file = path.join(workspace, 'db', '0001_edited.sql');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join('\n'));
  const uri = pathToFileURL(file).toString();
  const opened = server.nextDiagnostics(uri);
  server.openFile(file, 'sql');
  await opened;
  // Each edited line is edited twice, as typing does: first into a broken state (a syntax error, an unterminated
  // comment or quote, which swallow the rest of the file), then into its final text. The final text parses, so the
  // last analysis reuses the parses of unchanged statements (a text that fails to parse is parsed whole).
  const broken = ['SELEC oops FROM;', '/* open comment', "INSERT INTO t VALUES ('unterminated"];
  const final = ['DROP TABLE IF EXISTS x_1;', 'ALTER TABLE users ADD COLUMN c text NOT NULL;', '', 'TRUNCATE audit;', 'UPDATE users SET x = 1;'];
  let last: { version: number; diagnostics: unknown[] } | undefined;
  for (let version = 2; version <= 31; version++) {
    const step = Math.floor((version - 2) / 2);
    const line = (step * 13) % (lines.length - 1);
    const newText = version % 2 === 0 ? broken[step % broken.length]! : final[step % final.length]!;
    const published = server.nextDiagnostics(uri, (p) => p.version === version);
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: lines[line]!.length } }, text: newText }],
    });
    lines[line] = newText;
    const p = await published;
    last = { version: p.version ?? 0, diagnostics: p.diagnostics };
  }
  const finalText = lines.join('\n');
  const document = TextDocument.create(uri, 'sql', 31, finalText);
  const expected = analyze(finalText, { fileName: file }).map((f) => toDiagnostic(document, f));
  assert.ok(expected.some((d) => d.code === 'ban-drop-table') && expected.some((d) => d.code === 'ban-truncate'), JSON.stringify(expected.map((d) => d.code)));
  assert.deepEqual(last?.diagnostics, expected);
});

/**
 * `check --format text|json|github|sarif` and `--changed-since`, through the CLI's main() on real files
 * in a temp folder (structure checks, never absolute paths), and the escaping rules of workflow commands.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import { escapeData, escapeProperty, formatGithub } from '../../server/src/cli/format/github';
import { relativeUri, toSarif, type SarifLog } from '../../server/src/cli/format/sarif';
import { rules as ruleRegistry } from '../../server/src/lint';
import type { CheckResult, ErrorResult } from '../../server/src/protocol';

let dir: string;

function write(rel: string, text: string): void {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

async function cli(args: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { cwd, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false });
  return { code, stdout, stderr };
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-format-'));
  // A message with a comma and a colon, a file name with a comma: escaping matters.
  write('db/001_drop.sql', 'CREATE TABLE a (id int PRIMARY KEY);\nDROP TABLE users;\n');
  write('db/002, idx.sql', 'CREATE INDEX users_email ON users (email);\n');
  write('db/003_ok.sql', 'CREATE TABLE b (id int PRIMARY KEY);\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

void describe('check formats', () => {
  test('json is the reference: findings with 1-based positions, relative paths', async () => {
    const r = await cli(['check', 'db', '--format', 'json']);
    assert.equal(r.code, 1, 'an error finding exits 1');
    const result = JSON.parse(r.stdout) as CheckResult;
    const ids = result.findings.map((f) => [f.file, f.ruleId, f.line]);
    assert.deepEqual(ids, [
      [path.join('db', '001_drop.sql'), 'ban-drop-table', 2],
      [path.join('db', '002, idx.sql'), 'require-concurrent-index-creation', 1],
    ]);
    // PostgreSQL (the default dialect here): each finding carries its statement's lock, from the analyzer's lock table.
    assert.deepEqual(
      result.findings.map((f) => f.lock),
      [
        { mode: 'ACCESS EXCLUSIVE', table: 'users', blocks: ['reads', 'writes'] },
        { mode: 'SHARE', table: 'users', blocks: ['writes'] },
      ],
    );
    const lite = JSON.parse((await cli(['check', 'db', '--format', 'json', '--dialect', 'sqlite'])).stdout) as CheckResult;
    assert.ok(lite.findings.length > 0 && lite.findings.every((f) => !('lock' in f)), 'no lock on SQLite');
  });

  test('github: one workflow command per finding, severity → command, positions, escaped properties', async () => {
    const json = JSON.parse((await cli(['check', 'db', '--format', 'json'])).stdout) as CheckResult;
    const r = await cli(['check', 'db', '--format', 'github']);
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, json.findings.length);
    json.findings.forEach((f, i) => {
      const m = /^::(error|warning|notice) file=([^,]*),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),title=([^:]+)::(.*)$/.exec(lines[i]);
      assert.ok(m, lines[i]);
      assert.equal(m[1], f.severity === 'info' ? 'notice' : f.severity);
      assert.equal(decodeURIComponent(m[2]), f.file.split(path.sep).join('/'));
      assert.deepEqual(m.slice(3, 7).map(Number), [f.line, f.column, f.endLine, f.endColumn]);
      assert.equal(m[7], f.ruleId);
      assert.equal(m[8], `${f.message} (${f.ruleId})`);
    });
    assert.match(lines[1], /file=db\/002%2C idx\.sql,/, 'comma in a property is escaped');
  });

  test('github escaping follows @actions/core (data: % CR LF; properties also : and ,)', () => {
    assert.equal(escapeData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b');
    assert.equal(escapeProperty('C:\\a,b%'), 'C%3A\\a%2Cb%25');
    const out = formatGithub([{ file: 'x:y.sql', ruleId: 'ban-truncate', severity: 'info', message: 'line1\nline2', line: 1, column: 2, endLine: 3, endColumn: 4 }]);
    assert.equal(out, '::notice file=x%3Ay.sql,line=1,col=2,endLine=3,endColumn=4,title=ban-truncate::line1%0Aline2 (ban-truncate)');
  });

  test('sarif: SARIF 2.1.0 with the driver, every rule (doc page, default level) and located results', async () => {
    const json = JSON.parse((await cli(['check', 'db', '--format', 'json'])).stdout) as CheckResult;
    const r = await cli(['check', 'db', '--format', 'sarif']);
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout) as SarifLog;
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    const [run] = log.runs;
    assert.equal(run.tool.driver.name, 'migration-guard');
    assert.equal(run.columnKind, 'utf16CodeUnits');
    assert.deepEqual(run.tool.driver.rules.map((x) => x.id), ruleRegistry.map((m) => m.id));
    for (const rule of run.tool.driver.rules) {
      const meta = ruleRegistry.find((m) => m.id === rule.id);
      assert.ok(meta);
      assert.equal(rule.helpUri, undefined, 'no relative helpUri: SARIF wants an absolute one');
      assert.ok(rule.help.text.endsWith(`Documentation: docs/rules/${rule.id}.md`), rule.help.text);
      assert.ok(rule.shortDescription.text.length > 0);
      const expected = meta.defaultSeverity === 'info' ? 'note' : (meta.defaultSeverity as string) === 'off' ? 'none' : meta.defaultSeverity;
      assert.equal(rule.defaultConfiguration.level, expected, rule.id);
    }
    assert.equal(run.results.length, json.findings.length);
    run.results.forEach((res, i) => {
      const f = json.findings[i];
      assert.equal(res.ruleId, f.ruleId);
      assert.equal(run.tool.driver.rules[res.ruleIndex].id, f.ruleId);
      assert.equal(res.level, f.severity === 'info' ? 'note' : f.severity);
      assert.equal(res.message.text, f.message);
      const loc = res.locations[0].physicalLocation;
      assert.ok(!path.isAbsolute(loc.artifactLocation.uri) && !loc.artifactLocation.uri.startsWith('file:'), loc.artifactLocation.uri);
      assert.equal(decodeURIComponent(loc.artifactLocation.uri), f.file.split(path.sep).join('/'));
      assert.deepEqual(loc.region, { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn });
    });
    assert.equal(run.results[1].locations[0].physicalLocation.artifactLocation.uri, 'db/002%2C%20idx.sql');
  });

  test('sarif: a configured severity shows as the result level, unknown rules are added, URIs are relative', () => {
    const log = toSarif([{ file: '/w/p/a b.sql', ruleId: 'custom-x', severity: 'info', message: 'm', line: 1, column: 1, endLine: 1, endColumn: 2 }], { cwd: '/w/p', version: '1', rules: [] });
    assert.deepEqual(log.runs[0].tool.driver.rules.map((r) => [r.id, r.defaultConfiguration.level]), [['custom-x', 'note']]);
    assert.equal(log.runs[0].results[0].level, 'note');
    assert.equal(relativeUri('/w/p/a b.sql', '/w/p'), 'a%20b.sql');
    assert.equal(relativeUri('./x/y.sql', '/w'), 'x/y.sql');
  });

  test('text lists findings and a summary', async () => {
    const r = await cli(['check', 'db']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /001_drop\.sql:2:1 {2}error {2}.*ban-drop-table/);
    assert.match(r.stdout, /2 problems \(1 error, 1 warning\)/);
  });

  test('the config file applies to check: severities, off, and exclude for files found in folders', async () => {
    const sub = path.join(dir, 'configured');
    write('configured/.migration-guard.json', JSON.stringify({ rules: { 'ban-drop-table': 'warning', 'require-concurrent-index-creation': 'off' }, exclude: ['skip/**'] }));
    write('configured/a.sql', 'DROP TABLE users;\nCREATE INDEX i ON t (c);\n');
    write('configured/skip/b.sql', 'DROP TABLE other;\n');
    const r = await cli(['check', '.', '--format', 'json'], sub);
    assert.equal(r.code, 0, 'warnings only');
    assert.deepEqual((JSON.parse(r.stdout) as CheckResult).findings.map((f) => [f.file, f.ruleId, f.severity]), [['a.sql', 'ban-drop-table', 'warning']]);
    const named = JSON.parse((await cli(['check', 'skip/b.sql', '--format', 'json'], sub)).stdout) as CheckResult;
    assert.equal(named.findings.length, 1, 'a file named on the command line is linted');
    write('configured/bad/.migration-guard.json', '{"rules": {"ban-drop-table": "loud"}}');
    write('configured/bad/c.sql', 'SELECT 1;\n');
    const bad = await cli(['check', 'bad', '--json'], sub);
    assert.equal(bad.code, 2);
    const e = JSON.parse(bad.stdout) as ErrorResult;
    assert.equal(e.error.code, 'usage');
    assert.match(e.error.message, /Invalid configuration: .*\.migration-guard\.json: "rules\.ban-drop-table" must be one of off, info, warning, error/);
  });
});

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

void describe('check --changed-since', () => {
  let repo: string;
  before(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-git-'));
    git(repo, 'init', '-q', '-b', 'main');
    const put = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
      fs.writeFileSync(path.join(repo, rel), text);
    };
    put('db/001_old.sql', 'DROP TABLE old_one;\n');
    put('db/002_edit.sql', 'CREATE TABLE e (id int);\n');
    put('.gitignore', 'db/ignored.sql\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'base');
    git(repo, 'tag', 'base');
    put('db/003_committed.sql', 'DROP TABLE committed_one;\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'next');
    put('db/002_edit.sql', 'CREATE TABLE e (id int);\nDROP TABLE edited_one;\n'); // uncommitted
    put('db/004_untracked.sql', 'DROP TABLE untracked_one;\n');
    put('db/ignored.sql', 'DROP TABLE ignored_one;\n');
  });
  after(() => fs.rmSync(repo, { recursive: true, force: true }));

  test('lints only files committed since the ref, uncommitted and untracked (not ignored, not unchanged)', async () => {
    const r = await cli(['check', 'db', '--format', 'json', '--changed-since', 'base'], repo);
    const files = [...new Set((JSON.parse(r.stdout) as CheckResult).findings.map((f) => f.file))].sort();
    assert.deepEqual(files, ['002_edit.sql', '003_committed.sql', '004_untracked.sql'].map((f) => path.join('db', f)));
    const all = JSON.parse((await cli(['check', 'db', '--format', 'json'], repo)).stdout) as CheckResult;
    assert.ok(all.findings.some((f) => f.file.endsWith('001_old.sql')), 'without the flag the old file is linted');
    const text = await cli(['check', '.', '--changed-since', 'HEAD'], path.join(repo, 'db'));
    assert.equal(text.code, 1, text.stderr);
    assert.doesNotMatch(text.stdout, /003_committed/, 'HEAD...HEAD is empty: only uncommitted and untracked remain');
    assert.match(text.stdout, /^002_edit\.sql:2:1 .*ban-drop-table$/m, 'paths relative to the sub-folder cwd');
    assert.match(text.stdout, /^004_untracked\.sql:1:1 /m);
  });

  test('an unknown ref is a clear usage error', async () => {
    const r = await cli(['check', 'db', '--json', '--changed-since', 'no-such-branch'], repo);
    assert.equal(r.code, 2);
    const e = JSON.parse(r.stdout) as ErrorResult;
    assert.equal(e.error.code, 'usage');
    assert.match(e.error.message, /unknown git ref "no-such-branch"/);
    const dash = await cli(['check', 'db', '--json', '--changed-since=--output=/tmp/x'], repo);
    assert.equal(dash.code, 2, 'a ref that looks like an option is refused');
  });

  test('outside a git repository it says so', async () => {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-nogit-'));
    try {
      fs.writeFileSync(path.join(plain, 'a.sql'), 'SELECT 1;\n');
      const r = await cli(['check', '.', '--changed-since', 'main'], plain);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--changed-since needs a git repository/);
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });
});

void describe('postgresVersion from .migration-guard.json', () => {
  test('reaches the rules through check: any default is a rewrite before PostgreSQL 11', async () => {
    write('pg10/.migration-guard.json', JSON.stringify({ dialect: 'postgresql', postgresVersion: 10 }));
    write('pg10/001_status.sql', "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';\n");
    write('pg15/.migration-guard.json', JSON.stringify({ dialect: 'postgresql', postgresVersion: 15 }));
    write('pg15/001_status.sql', "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';\n");
    const old = JSON.parse((await cli(['check', 'pg10', '--format', 'json'])).stdout) as CheckResult;
    assert.deepEqual(old.findings.map((f) => f.ruleId), ['adding-field-with-volatile-default']);
    const recent = JSON.parse((await cli(['check', 'pg15', '--format', 'json'])).stdout) as CheckResult;
    assert.deepEqual(recent.findings.map((f) => f.ruleId), []);
  });
});

void describe('sarif helpUri', () => {
  test('is absolute when a docs base is given', () => {
    const log = toSarif([], { cwd: dir, version: '0.1.0', rules: ruleRegistry, docsBase: 'https://example.org/migration-guard/blob/main/' });
    const rule = log.runs[0].tool.driver.rules.find((r) => r.id === 'ban-drop-table');
    assert.equal(rule?.helpUri, 'https://example.org/migration-guard/blob/main/docs/rules/ban-drop-table.md');
  });
});

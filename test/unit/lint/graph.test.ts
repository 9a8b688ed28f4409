import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeRevisionGraph, buildRevisionGraph, migrationVersion, readAlembicRevision } from '../../../server/src/lint/graph';
import type { FolderFile, FolderFinding } from '../../../server/src/lint/graph';
import { getRuleMeta } from '../../../server/src/lint';
import { runCheck } from '../../../server/src/cli/check';

const fixtures = path.join(__dirname, '../../fixtures/alembic');

/** Every file under a fixture folder, with paths relative to the fixtures root (forward slashes). */
function folder(name: string): FolderFile[] {
  const out: FolderFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const p = path.join(dir, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: path.relative(fixtures, p).split(path.sep).join('/'), text: readFileSync(p, 'utf8') });
    }
  };
  walk(path.join(fixtures, name));
  return out;
}

/** `[ruleId, path, snippet]` of each folder finding. */
function summary(files: FolderFile[], findings: FolderFinding[]): [string, string, string][] {
  return findings.map((f) => [f.finding.ruleId, f.path, files.find((x) => x.path === f.path)!.text.slice(f.finding.start, f.finding.end)]);
}

void describe('revision graph: reading Alembic revisions', () => {
  void it('reads annotated assignments, tuples over several lines and skips the docstring', () => {
    const text = readFileSync(path.join(fixtures, 'merge/versions/2b0004_merge.py'), 'utf8');
    const info = readAlembicRevision(text)!;
    assert.equal(info.revision.id, '2b0004');
    assert.equal(text.slice(info.revision.range.start, info.revision.range.end), "'2b0004'");
    assert.equal(text.slice(info.revisionLine.start, info.revisionLine.end), "revision: str = '2b0004'");
    assert.deepEqual(
      info.downRevisions.map((d) => [d.id, text.slice(d.range.start, d.range.end)]),
      [
        ['2b0002', "'2b0002'"],
        ['2b0003', "'2b0003'"],
      ],
    );
  });

  void it('returns undefined for files that are not revisions, and handles None, lists and odd text', () => {
    assert.equal(readAlembicRevision(readFileSync(path.join(fixtures, 'linear/env.py'), 'utf8')), undefined);
    assert.equal(readAlembicRevision('"""\nrevision = \'fake\'\n"""\n'), undefined);
    assert.equal(readAlembicRevision("# revision = 'x'\n"), undefined);
    assert.deepEqual(readAlembicRevision("revision = 'b'\ndown_revision = ['a', \"c\"]\nbranch_labels = ('feature',)\n")!.downRevisions.map((d) => d.id), ['a', 'c']);
    assert.deepEqual(readAlembicRevision("revision = 'b'\ndown_revision = None\n")!.downRevisions, []);
    for (const t of ['', "revision = '", 'revision = (', "down_revision = ('a',", '\ud800revision = 1']) assert.doesNotThrow(() => readAlembicRevision(t));
  });
});

void describe('revision graph: fixtures', () => {
  void it('linear: one base, one head, no findings; env.py and __init__.py are ignored', () => {
    const files = folder('linear');
    const g = buildRevisionGraph(files);
    assert.deepEqual(g.nodes.map((n) => n.id), ['1a0001', '1a0002', '1a0003']);
    assert.deepEqual(g.edges, [
      { from: '1a0001', to: '1a0002' },
      { from: '1a0002', to: '1a0003' },
    ]);
    assert.deepEqual([g.heads, g.bases, g.merges, g.branchPoints], [['1a0003'], ['1a0001'], [], []]);
    assert.deepEqual(analyzeRevisionGraph(files), []);
  });

  void it('branch: two revisions on the same parent make two heads, each reported on its revision line', () => {
    const files = folder('branch');
    const g = buildRevisionGraph(files);
    assert.deepEqual([g.heads, g.bases, g.branchPoints], [['2b0002', '2b0003'], ['2b0001'], ['2b0001']]);
    const findings = analyzeRevisionGraph(files);
    assert.deepEqual(summary(files, findings), [
      ['alembic-multiple-heads', 'branch/versions/2b0002_feature_a.py', "revision: str = '2b0002'"],
      ['alembic-multiple-heads', 'branch/versions/2b0003_feature_b.py', "revision: str = '2b0003'"],
    ]);
    assert.equal(findings[0]!.finding.severity, 'error');
    assert.match(findings[0]!.finding.message, /one of 2 heads \(also "2b0003"\)/);
    assert.equal(findings[0]!.finding.help, getRuleMeta('alembic-multiple-heads')!.help);
  });

  void it('merge: a merge revision joins the branches into one head', () => {
    const files = folder('merge');
    const g = buildRevisionGraph(files);
    assert.deepEqual([g.heads, g.merges, g.branchPoints], [['2b0004'], ['2b0004'], ['2b0001']]);
    assert.deepEqual(analyzeRevisionGraph(files), []);
  });

  void it('missing: a down_revision naming no file is reported on that string; the orphan counts as a base', () => {
    const files = folder('missing');
    const g = buildRevisionGraph(files);
    assert.deepEqual([g.heads, g.bases], [['3c0001', '3c0002'], ['3c0001', '3c0002']]);
    const s = summary(files, analyzeRevisionGraph(files));
    assert.deepEqual(s, [
      ['alembic-multiple-heads', 'missing/versions/3c0001_base.py', "revision: str = '3c0001'"],
      ['alembic-multiple-heads', 'missing/versions/3c0002_orphan.py', "revision: str = '3c0002'"],
      ['alembic-missing-revision', 'missing/versions/3c0002_orphan.py', "'3cdead'"],
    ]);
  });

  void it('duplicate: two files with one revision id are both reported; the graph keeps the first', () => {
    const files = folder('duplicate');
    const g = buildRevisionGraph(files);
    assert.deepEqual(g.nodes.map((n) => [n.id, n.path]), [
      ['4d0001', 'duplicate/versions/4d0001_base.py'],
      ['4d0002', 'duplicate/versions/4d0002_copy.py'],
    ]);
    const findings = analyzeRevisionGraph(files);
    assert.deepEqual(summary(files, findings), [
      ['duplicate-revision', 'duplicate/versions/4d0002_copy.py', "'4d0002'"],
      ['duplicate-revision', 'duplicate/versions/4d0002_one.py', "'4d0002'"],
    ]);
    assert.match(findings[0]!.finding.message, /also declared in duplicate\/versions\/4d0002_one\.py/);
  });

  void it('honours severity overrides and off', () => {
    const files = folder('missing');
    const findings = analyzeRevisionGraph(files, { rules: { 'alembic-multiple-heads': 'off', 'alembic-missing-revision': 'warning' } });
    assert.deepEqual(findings.map((f) => [f.finding.ruleId, f.finding.severity]), [['alembic-missing-revision', 'warning']]);
  });
});

void describe('revision graph: Knex and SQL folders (duplicate-revision)', () => {
  const f = (p: string, text = '-- migration\nSELECT 1;\n'): FolderFile => ({ path: p, text });

  void it('reports two migrations sharing a timestamp or version prefix, on their first line', () => {
    const files = [f('db/migrations/20240101120000_add_orders.js', 'exports.up = () => {};\n'), f('db/migrations/20240101120000_add_invoices.js'), f('db/migrations/20240102000000_other.js'), f('sql/V3__a.sql'), f('sql/V3__b.sql')];
    assert.deepEqual(summary(files, analyzeRevisionGraph(files)), [
      ['duplicate-revision', 'db/migrations/20240101120000_add_invoices.js', '-- migration'],
      ['duplicate-revision', 'db/migrations/20240101120000_add_orders.js', 'exports.up = () => {};'],
      ['duplicate-revision', 'sql/V3__a.sql', '-- migration'],
      ['duplicate-revision', 'sql/V3__b.sql', '-- migration'],
    ]);
  });

  void it('does not report up/down pairs, different folders, different versions or unnumbered files', () => {
    const files = [
      f('m/0001_init.up.sql'),
      f('m/0001_init.down.sql'),
      f('m/0002_users.sql'),
      f('m/0002_users_down.sql'),
      f('a/20240101_x.js'),
      f('b/20240101_y.js'),
      f('m/knexfile.js'),
      f('m/types.d.ts'),
      f('m/0003_z.ts'),
      f('fly/V1__init.sql'),
      f('fly/V1.1__add_users.sql'),
      f('fly/V1_2__add_orders.sql'),
      f('fly/U1.1__add_users.sql'),
      f('fly/R__views.sql'),
    ];
    assert.deepEqual(analyzeRevisionGraph(files), []);
    assert.deepEqual(migrationVersion('0001_init.up.sql'), { version: '0001', name: 'init' });
    assert.deepEqual(migrationVersion('V12__add.sql'), { version: '12', name: 'add' });
    assert.deepEqual(migrationVersion('V1_2__add_orders.sql'), { version: '1.2', name: 'add_orders' });
    assert.equal(migrationVersion('R__views.sql'), undefined);
    assert.equal(migrationVersion('knexfile.js'), undefined);
  });

  void it('treats leading zeros as the same version', () => {
    const files = [f('m/1_a.sql'), f('m/001_b.sql'), f('fly/V2.01__a.sql'), f('fly/V2.1__b.sql')];
    assert.deepEqual(analyzeRevisionGraph(files).map((x) => x.path), ['fly/V2.01__a.sql', 'fly/V2.1__b.sql', 'm/001_b.sql', 'm/1_a.sql']);
  });
});

void describe('revision graph: CLI check', () => {
  const root = path.resolve(__dirname, '../../..');
  const rel = (p: string): string => path.relative(root, path.join(fixtures, p)).split(path.sep).join('/');

  void it('check <folder> reports folder findings on their line, among the per-file findings', async () => {
    const { result } = await runCheck([rel('missing')], root);
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, path.basename(f.file), f.line, f.column]),
      [
        ['alembic-multiple-heads', '3c0001_base.py', 15, 1],
        ['alembic-multiple-heads', '3c0002_orphan.py', 15, 1],
        ['alembic-missing-revision', '3c0002_orphan.py', 16, 50],
        ['missing-down', '3c0002_orphan.py', 21, 5],
        ['ban-drop-column', '3c0002_orphan.py', 22, 5],
      ],
    );
  });

  void it('a file named on the command line is not a folder: no graph findings for it', async () => {
    const { result } = await runCheck([rel('missing/versions/3c0002_orphan.py')], root);
    assert.deepEqual(result.findings.map((f) => f.ruleId), ['missing-down', 'ban-drop-column']);
  });
});

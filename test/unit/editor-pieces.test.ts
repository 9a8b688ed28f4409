/**
 * The editor's pure pieces (issue 16): CodeLens text from a status result, Explorer decorations, the database file
 * guard's decisions, the reveal actions a window offers, the plan modals' target and down() effects, relative times.
 * Each takes what the engine returned and decides only how to show it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrationDecorations } from '../../client/src/decoration-map';
import { databaseFileLoss, latestRestorable, lossMessage } from '../../client/src/db-file-state';
import { alembicLenses, knexLenses } from '../../client/src/lens-text';
import { downgradeEffectLines, planTarget } from '../../client/src/plan-text';
import { relativeTime } from '../../client/src/relative-time';
import { formatBytes } from '../../server/src/protocol';
import { revealActions } from '../../client/src/reveal-actions';
import type { AlembicHistoryResult, BackupListEntry, MigrationStatusEntry, StatusResult } from '../../server/src/protocol';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const project: StatusResult['project'] = {
  knexfile: '/p/knexfile.js',
  environment: 'development',
  client: 'sqlite3',
  connection: '/p/dev.sqlite3',
  migrationDirectories: ['/p/migrations'],
  source: 'knexfile',
  databaseName: 'dev.sqlite3',
  sqliteFile: '/p/dev.sqlite3',
};

function entry(name: string, state: MigrationStatusEntry['state'], batch: number | null = null, appliedAt: string | null = null): MigrationStatusEntry {
  return { name, state, batch, appliedAt, file: state === 'missing' ? null : `/p/migrations/${name}`, checksum: batch === null ? 'none' : 'match' };
}

/** A status as the engine gives it: batch 3 applied two days ago, one edited, two pending (one out of order). */
function status(extra: MigrationStatusEntry[] = []): StatusResult {
  const migrations = [
    entry('001_a.js', 'applied', 2, '2026-11-20T09:00:00.000Z'),
    entry('002_b.js', 'out-of-order'),
    entry('003_c.js', 'edited', 3, '2026-12-04T12:00:00.000Z'),
    entry('004_d.js', 'applied', 3, '2026-12-04T12:00:00.000Z'),
    entry('005_e.js', 'pending'),
    ...extra,
  ];
  return {
    project,
    migrations,
    lock: { held: false },
    current: '004_d.js',
    pending: ['002_b.js', '005_e.js'],
    batches: [
      { batch: 3, migrations: ['004_d.js', '003_c.js'] },
      { batch: 2, migrations: ['001_a.js'] },
    ],
  };
}

const titles = (file: string, s = status()) => knexLenses(s, file, NOW).map((l) => `${l.title}${l.action ? ` [${l.action}]` : ''}`);

void describe('CodeLens text', () => {
  void it('applied: batch and relative time; the current one says so; the exact time in the tooltip', () => {
    assert.deepEqual(titles('/p/migrations/004_d.js'), ['$(pass) Applied · batch 3 · 2 days ago · current [showRevisions]']);
    assert.deepEqual(titles('/p/migrations/001_a.js'), ['$(pass) Applied · batch 2 · 16 days ago [showRevisions]']);
    assert.match(knexLenses(status(), '/p/migrations/004_d.js', NOW)[0]?.tooltip ?? '', /Applied 2026-12-04T12:00:00\.000Z in batch 3/);
  });

  void it('pending: Pending · Upgrade to here · Preview, counting what Upgrade to here applies', () => {
    assert.deepEqual(titles('/p/migrations/005_e.js'), ['$(circle-large-outline) Pending [showRevisions]', 'Upgrade to here [upgradeTo]', 'Preview [preview]']);
    assert.match(knexLenses(status(), '/p/migrations/005_e.js', NOW)[1]?.tooltip ?? '', /^Applies 2 pending migrations, up to and including this one/);
    assert.deepEqual(titles('/p/migrations/002_b.js'), ['$(debug-step-back) Pending, out of order [showRevisions]', 'Upgrade to here [upgradeTo]', 'Preview [preview]']);
    assert.match(knexLenses(status(), '/p/migrations/002_b.js', NOW)[1]?.tooltip ?? '', /^Applies 1 pending migration,/);
  });

  void it('edited: says it changed after it ran', () => {
    assert.deepEqual(titles('/p/migrations/003_c.js'), ['$(diff-modified) Edited after it ran · batch 3 · 2 days ago [showRevisions]']);
  });

  void it('missing: every migration file of the project warns first that Knex refuses to run', () => {
    const s = status([entry('000_gone.js', 'missing', 1, '2026-01-01T00:00:00.000Z')]);
    const lenses = knexLenses(s, '/p/migrations/005_e.js', NOW);
    assert.equal(lenses[0]?.title, '$(warning) 1 applied migration without a file: Knex refuses to run');
    assert.match(lenses[0]?.tooltip ?? '', /000_gone\.js/);
    assert.equal(lenses.length, 4);
  });

  void it('no lens on a file that is not a migration of the project', () => {
    assert.deepEqual(knexLenses(status(), '/p/src/app.js', NOW), []);
  });

  void it('Alembic: Head, Current, Merge of …, as the engine marks the graph', () => {
    const alembic: AlembicHistoryResult = {
      runner: 'alembic',
      config: '/a/alembic.ini',
      versionLocations: ['/a/versions'],
      heads: ['m1'],
      revisions: [
        { id: 'm1', parents: ['b1', 'b2'], message: 'merge', file: '/a/versions/m1.py', branchLabels: [], isMerge: true, isHead: true, isBranchPoint: false, isCurrent: true, state: 'applied' },
        { id: 'b1', parents: ['r0'], message: 'one', file: '/a/versions/b1.py', branchLabels: [], isMerge: false, isHead: false, isBranchPoint: false, isCurrent: false, state: 'applied' },
      ],
      current: ['m1'],
      database: null,
      problems: [],
    };
    assert.deepEqual(alembicLenses(alembic, '/a/versions/m1.py').map((l) => l.title), ['$(git-commit) Head', '$(database) Current', '$(git-merge) Merge of b1, b2']);
    assert.deepEqual(alembicLenses(alembic, '/a/versions/b1.py'), []);
    const twoHeads = { ...alembic, heads: ['m1', 'x9'], current: [] };
    assert.deepEqual(alembicLenses(twoHeads, '/a/versions/m1.py').map((l) => l.title), ['$(warning) Head (1 of 2)', '$(git-merge) Merge of b1, b2']);
  });
});

void describe('Explorer decorations', () => {
  void it('pending P, out-of-order P (warning), edited E (warning); applied files stay plain', () => {
    const map = migrationDecorations([status()], new Map());
    assert.deepEqual(
      [...map].map(([file, d]) => [file, d.badge, d.tone]),
      [
        ['/p/migrations/002_b.js', 'P', 'warning'],
        ['/p/migrations/003_c.js', 'E', 'warning'],
        ['/p/migrations/005_e.js', 'P', 'pending'],
      ],
    );
  });

  void it('error findings add ! (alone on a file without a state) and the error color', () => {
    const map = migrationDecorations([status()], new Map([['/p/migrations/005_e.js', 2], ['/p/migrations/001_a.js', 1], ['/p/other.sql', 0]]));
    assert.deepEqual(map.get('/p/migrations/005_e.js'), { badge: 'P!', tooltip: 'Pending migration: the next upgrade runs it; 2 error findings of Migration Guard (see Problems)', tone: 'error' });
    assert.deepEqual(map.get('/p/migrations/001_a.js'), { badge: '!', tooltip: '1 error finding of Migration Guard (see Problems)', tone: 'error' });
    assert.equal(map.has('/p/other.sql'), false);
    assert.deepEqual([...migrationDecorations([], new Map([['/x.sql', 1]])).keys()], ['/x.sql'], 'findings without a status');
  });

  void it('missing migrations mark the migrations folder with ?', () => {
    const map = migrationDecorations([status([entry('000_gone.js', 'missing', 1)])], new Map());
    assert.deepEqual(map.get('/p/migrations'), { badge: '?', tooltip: '1 applied migration without a file (Knex refuses to run): 000_gone.js', tone: 'error' });
  });
});

void describe('database file guard', () => {
  const db = { size: 24_576, sqliteHeader: true };
  void it('deleted or truncated after it was a database; nothing for a file that never was one', () => {
    assert.equal(databaseFileLoss(db, undefined), 'deleted');
    assert.equal(databaseFileLoss(db, { size: 0, sqliteHeader: false }), 'truncated');
    assert.equal(databaseFileLoss(db, { size: 4096, sqliteHeader: false }), 'truncated', 'overwritten: no header');
    assert.equal(databaseFileLoss(db, { size: 8192, sqliteHeader: true }), undefined, 'shrunk by VACUUM: still a database');
    assert.equal(databaseFileLoss(undefined, undefined), undefined, 'not created yet');
    assert.equal(databaseFileLoss({ size: 0, sqliteHeader: false }, undefined), undefined, 'an empty file SQLite opened but never wrote');
  });

  const backup = (name: string, complete: boolean, created: string, bytes = 24_576): BackupListEntry => ({
    name,
    path: `/p/.migration-guard/backups/${name}.sqlite3`,
    bytes,
    created,
    ageSeconds: 0,
    label: null,
    kind: 'pre-upgrade',
    migrations: [],
    manifest: null,
    complete,
    checked: complete ? 'sha256' : null,
  });

  void it('offers the newest complete backup, naming its time and size', () => {
    const list = { directory: '/p/.migration-guard/backups', backups: [backup('backup_new', false, '2026-12-06T11:59:00.000Z'), backup('backup_ok', true, '2026-12-06T11:48:00.000Z')] };
    const offered = latestRestorable(list);
    assert.equal(offered?.name, 'backup_ok', 'an incomplete backup (killed midway) is never offered');
    assert.equal(
      lossMessage('dev.sqlite3', 'deleted', offered, NOW),
      'Migration Guard: the database dev.sqlite3 was deleted. Latest backup: backup_ok, taken 12 minutes ago (2026-12-06 11:48:00 UTC), 24 KiB.',
    );
    assert.equal(lossMessage('dev.sqlite3', 'truncated', undefined, NOW), 'Migration Guard: the database dev.sqlite3 was truncated (it is no longer a SQLite database). There is no complete backup to restore.');
    assert.equal(latestRestorable({ directory: '/d', backups: [] }), undefined);
  });
});

void describe('reveal actions', () => {
  void it('the OS file manager only in a local desktop window; the Explorer for workspace files; Copy Path always', () => {
    const labels = (desktop: boolean, remoteName: string | undefined, inWorkspace: boolean) => revealActions({ desktop, remoteName, inWorkspace }).map((a) => a.command);
    assert.deepEqual(labels(true, undefined, true), ['revealInExplorer', 'revealFileInOS', 'copyPath']);
    assert.deepEqual(labels(false, 'code-server', true), ['revealInExplorer', 'copyPath'], 'code-server: no revealFileInOS');
    assert.deepEqual(labels(true, 'ssh-remote', true), ['revealInExplorer', 'copyPath'], 'a remote window: no revealFileInOS');
    assert.deepEqual(labels(false, undefined, false), ['copyPath']);
  });
});

void describe('plan modals', () => {
  void it('name the database and the environment', () => {
    assert.equal(planTarget(project), 'dev.sqlite3 (development)');
    assert.equal(planTarget({ ...project, databaseName: 'shop', environment: 'production', protected: true }), 'shop (production, protected)');
    assert.equal(planTarget(undefined), 'the database');
  });

  void it("say what each down() brings back and what it drops, from the preview's effects", () => {
    const lines = downgradeEffectLines({
      planned: ['006_drop_sessions.js', '005_add_email.js', '004_no_trx.js'],
      preview: [
        { migration: '006_drop_sessions.js', sql: ['create table `sessions` …'], previewable: true, effects: { tablesCreated: ['sessions'], tablesDropped: [], columnsAdded: [], columnsDropped: [] } },
        { migration: '005_add_email.js', sql: ['alter table …'], previewable: true, effects: { tablesCreated: [], tablesDropped: [], columnsAdded: [], columnsDropped: ['users.email'] } },
        { migration: '004_no_trx.js', sql: [], previewable: false, reason: 'Not previewable: it runs without a transaction.' },
      ],
    });
    assert.deepEqual(lines, [
      'What each down() does:',
      '  • 006_drop_sessions.js',
      '      brings back: table sessions',
      '      drops: no table or column',
      '  • 005_add_email.js',
      '      brings back: no table or column',
      '      drops: column users.email',
      '  • 004_no_trx.js: unknown (Not previewable: it runs without a transaction)',
    ]);
  });
});

void describe('relative times and sizes', () => {
  void it('read like a person says them', () => {
    const ago = (seconds: number) => relativeTime(new Date(NOW.getTime() - seconds * 1000), NOW);
    assert.deepEqual([ago(10), ago(60), ago(100), ago(50 * 60), ago(58 * 60), ago(3 * 3600), ago(30 * 3600), ago(3 * 86400), ago(60 * 86400), ago(800 * 86400), ago(-2 * 3600)], [
      'just now',
      '1 minute ago',
      '2 minutes ago',
      '50 minutes ago',
      '1 hour ago',
      '3 hours ago',
      '1 day ago',
      '3 days ago',
      '2 months ago',
      '2 years ago',
      'in 2 hours',
    ]);
    assert.equal(relativeTime('not a time', NOW), 'not a time');
    assert.equal(relativeTime(new Date(NOW.getTime() - 120_000).toISOString(), NOW.getTime()), '2 minutes ago', 'an ISO time and a number for now');
    assert.deepEqual([formatBytes(812), formatBytes(24_576), formatBytes(3_250_000), formatBytes(5 * 1024 ** 3)], ['812 B', '24 KiB', '3.1 MiB', '5.0 GiB']);
  });
});

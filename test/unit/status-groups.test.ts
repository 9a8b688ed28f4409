/** The tree's groups are the engine's: client/src/status-groups.ts renders StatusResult.pending and .batches as they come. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusGroups } from '../../client/src/status-groups';
import type { MigrationStatusEntry, StatusResult } from '../../server/src/protocol';

const project: StatusResult['project'] = { knexfile: '/p/knexfile.js', environment: 'development', client: 'sqlite3', connection: '/p/dev.sqlite3', migrationDirectories: ['/p/migrations'], source: 'knexfile' };

function entry(name: string, state: MigrationStatusEntry['state'], batch: number | null, appliedAt: string | null = null): MigrationStatusEntry {
  return { name, state, batch, appliedAt, file: state === 'missing' ? null : `/p/migrations/${name}` };
}

test('tree groups: "Pending" from the engine\'s pending list, then the engine\'s batches in the engine\'s order', () => {
  const status: StatusResult = {
    project,
    migrations: [
      entry('001_a.js', 'applied', 1, '2026-01-01T00:00:00.000Z'),
      entry('003_c.js', 'missing', 2, '2026-01-02T00:00:00.000Z'),
      entry('004_d.js', 'edited', 2, '2026-01-02T00:00:01.000Z'),
      entry('002_b.js', 'out-of-order', null),
      entry('005_e.js', 'pending', null),
    ],
    lock: { held: false },
    current: '004_d.js',
    pending: ['002_b.js', '005_e.js'],
    batches: [
      { batch: 2, migrations: ['004_d.js', '003_c.js'] },
      { batch: 1, migrations: ['001_a.js'] },
    ],
  };
  const groups = statusGroups(status);
  assert.deepEqual(
    groups.map((g) => [g.id, g.label, g.description, g.migrations.map((m) => m.name)]),
    [
      ['pending', 'Pending', '2 migrations', ['002_b.js', '005_e.js']],
      ['batch:2', 'Batch 2', '2 migrations', ['004_d.js', '003_c.js']],
      ['batch:1', 'Batch 1', '1 migration', ['001_a.js']],
    ],
  );
  assert.equal(groups[1]?.tooltip, 'Applied 2026-01-02T00:00:01.000Z');
  assert.equal(groups[1]?.migrations[1]?.state, 'missing', 'entries keep their state');
});

test('tree groups: nothing pending, no "Pending" group; no batches, no batch groups', () => {
  const applied: StatusResult = { project, migrations: [entry('001_a.js', 'applied', 1)], lock: { held: false }, current: '001_a.js', pending: [], batches: [{ batch: 1, migrations: ['001_a.js'] }] };
  assert.deepEqual(statusGroups(applied).map((g) => g.id), ['batch:1']);
  const fresh: StatusResult = { project, migrations: [entry('001_a.js', 'pending', null)], lock: { held: false }, current: null, pending: ['001_a.js'], batches: [] };
  assert.deepEqual(statusGroups(fresh).map((g) => g.id), ['pending']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeStatus } from '../../client/src/status-summary';
import type { MigrationStatusEntry, StatusResult } from '../../server/src/protocol';

const project: StatusResult['project'] = { knexfile: '/p/knexfile.js', environment: 'development', client: 'sqlite3', connection: '/p/dev.sqlite3', migrationDirectories: ['/p/migrations'], source: 'knexfile' };

function status(states: MigrationStatusEntry['state'][], held = false): StatusResult {
  const migrations = states.map((state, i) => ({ name: `00${i}_x.js`, state, batch: state === 'pending' || state === 'out-of-order' ? null : 1, appliedAt: null, file: state === 'missing' ? null : `/p/migrations/00${i}_x.js` }));
  // As the engine gives it: pending in run order, one batch listing the most recently applied first.
  const pending = migrations.filter((m) => m.batch === null).map((m) => m.name);
  const applied = migrations.filter((m) => m.batch !== null).map((m) => m.name).reverse();
  return { project, migrations, lock: { held }, current: null, pending, batches: applied.length ? [{ batch: 1, migrations: applied }] : [] };
}

test('status bar: an engine error is an error state, never "up to date" (issue 12, item 4)', () => {
  const noProject = Object.assign(new Error('No Knex project in /w: no knexfile here or above, no DATABASE_URL and no migrations/ folder.'), {
    code: 'no-project',
    hint: 'Create a knexfile (or a migrations/ folder), or pass --cwd or --knexfile.',
  });
  const s = summarizeStatus(noProject);
  assert.equal(s.level, 'error');
  assert.equal(s.text, '$(error) Migrations: no project');
  assert.match(s.tooltip, /No Knex project in \/w[\s\S]*pass --cwd or --knexfile[\s\S]*Retry and Show Output/);
  const crash = summarizeStatus(Object.assign(new Error('The migration engine exited with code 3.'), { code: 'engine-exit' }));
  assert.equal(crash.text, '$(error) Migrations: error');
  assert.doesNotMatch(s.text + crash.text, /up to date/);
});

test('status bar: up to date only when every migration is applied; pending, out-of-order, edited, missing and a held lock say so', () => {
  assert.equal(summarizeStatus(status(['applied', 'applied'])).text, '$(database) up to date');
  assert.equal(summarizeStatus(status([])).text, '$(database) no migrations');
  assert.equal(summarizeStatus(status(['applied', 'pending', 'out-of-order'])).text, '$(database) 2 pending');
  const edited = summarizeStatus(status(['edited', 'applied', 'pending']));
  assert.deepEqual([edited.text, edited.level], ['$(diff-modified) 1 edited, 1 pending', 'warning']);
  const missing = summarizeStatus(status(['missing', 'edited']));
  assert.deepEqual([missing.text, missing.level], ['$(warning) 1 missing', 'error']);
  const locked = summarizeStatus(status(['applied'], true));
  assert.deepEqual([locked.text, locked.level], ['$(lock) locked', 'error']);
});

test('status bar: "N pending" is the engine\'s pending list, the one the tree\'s "Pending" group shows', () => {
  const s = status(['applied', 'out-of-order', 'pending', 'pending']);
  assert.equal(s.pending.length, 3);
  assert.equal(summarizeStatus(s).text, '$(database) 3 pending');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatus, formatValidation } from '../../server/src/cli/format';
import type { StatusResult } from '../../server/src/protocol';

test('status text names every state, the checksum gaps and the current migration', () => {
  const entry = (name: string, state: StatusResult['migrations'][number]['state'], batch: number | null, checksum: 'match' | 'edited' | 'none') => ({
    name,
    state,
    batch,
    appliedAt: batch === null ? null : '2026-01-02T03:04:05.000Z',
    file: state === 'missing' ? null : `/p/migrations/${name}`,
    checksum,
  });
  const status: StatusResult = {
    project: { knexfile: '/p/knexfile.js', environment: 'development', client: 'sqlite3', connection: '/p/dev.sqlite3', migrationDirectories: ['/p/migrations'], source: 'knexfile' },
    migrations: [
      entry('001_a.js', 'applied', 1, 'none'),
      entry('002_b.js', 'edited', 1, 'edited'),
      entry('003_c.js', 'out-of-order', null, 'none'),
      entry('004_d.js', 'missing', 2, 'none'),
      entry('005_e.js', 'applied', 2, 'match'),
      entry('006_f.js', 'pending', null, 'none'),
    ],
    lock: { held: true },
    current: '005_e.js',
    pending: ['003_c.js', '006_f.js'],
    batches: [
      { batch: 2, migrations: ['005_e.js', '004_d.js'] },
      { batch: 1, migrations: ['002_b.js', '001_a.js'] },
    ],
  };
  const text = formatStatus(status);
  assert.match(text, /001_a\.js {2}\(no checksum\)/);
  assert.match(text, /002_b\.js {2}\(file changed after it was applied\)/);
  assert.match(text, /003_c\.js {2}\(sorts before an applied migration\)/);
  assert.match(text, /004_d\.js {2}\(file missing; no checksum\)/);
  assert.match(text, /005_e\.js {2}\(current\)/);
  assert.match(text, /006_f\.js$/m);
  assert.match(text, /2 applied, 1 pending, 1 missing, 1 edited, 1 out-of-order\. Current: 005_e\.js\. Lock: HELD\./);
});

test('a missing file whose checksum was recorded is labelled missing, not "no checksum"', () => {
  const status: StatusResult = {
    project: { knexfile: null, environment: null, client: 'sqlite3', connection: '/p/dev.sqlite3', migrationDirectories: ['/p/migrations'], source: 'embedded-default' },
    migrations: [{ name: '001_a.js', state: 'missing', batch: 1, appliedAt: '2026-01-02T03:04:05.000Z', file: null, checksum: 'missing' }],
    lock: { held: false },
    current: null,
    pending: [],
    batches: [{ batch: 1, migrations: ['001_a.js'] }],
  };
  const text = formatStatus(status);
  assert.match(text, /001_a\.js {2}\(file missing; its checksum was recorded\)/);
  assert.doesNotMatch(text, /no checksum/);
});

test('validation text: a warning alone is Invalid, each problem shows its severity', () => {
  const text = formatValidation({
    valid: false,
    problems: [{ code: 'edited', severity: 'warning', migration: '002_b.js', message: 'Migration 002_b.js was edited after it was applied.' }],
    checked: ['migration files', 'checksums', 'lock'],
  });
  assert.match(text, /^Invalid: 1 problem \(0 errors, 1 warning; checked: migration files, checksums, lock\)\./);
  assert.match(text, /\n {2}warning {2}edited: Migration 002_b\.js/);
  // Problems from an older engine have no severity: read as errors.
  assert.match(formatValidation({ valid: false, problems: [{ code: 'missing-file', message: 'gone' }], checked: [] }), /1 error, 0 warnings[\s\S]*error {2}missing-file: gone/);
  assert.match(formatValidation({ valid: true, problems: [], checked: ['lock'] }), /^Valid \(checked: lock\)\.$/);
});

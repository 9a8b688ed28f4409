/**
 * The Revisions view's pure mapping (client/src/revisions/model.ts) and the status bar for every runner
 * (status-summary.ts summarizeProjectState): roots labelled by folder, environment, runner and database; the Alembic
 * graph as the engine gives it (heads first, merges, branch points, current, pending, several heads naming
 * `alembic merge heads`); "state unknown" never shown as "up to date"; short names; relative times; setting hints.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alembicRows, errorHint, folderRows, rootFolderLabel, rootView, shortName, TOOLTIP_DRIFT_ITEMS, type ProjectRoot } from '../../client/src/revisions/model';
import type { ValidationRecord } from '../../client/src/validate-report';
import { summarizeProjectState } from '../../client/src/status-summary';
import type { AlembicHistoryResult, AlembicRevision, DriftItem, FolderStateResult, StatusResult } from '../../server/src/protocol';

const knexStatus = (environment: string, prot: boolean): StatusResult => ({
  project: {
    knexfile: '/w/api/knexfile.js',
    environment,
    environments: ['development', 'production'],
    protectedEnvironments: ['production'],
    client: 'sqlite3',
    connection: '/w/api/dev.sqlite3',
    databaseName: 'dev.sqlite3',
    migrationDirectories: ['/w/api/migrations'],
    source: 'knexfile',
    protected: prot,
  },
  migrations: [],
  lock: { held: false },
  current: null,
  pending: [],
  batches: [],
});

const root = (state: ProjectRoot['state'], projectRoot = '/w/api', runner: 'knex' | 'alembic' | 'sql' = 'knex', folderCount = 1): ProjectRoot => ({
  folderName: 'w',
  folderPath: '/w',
  folderCount,
  project: { root: projectRoot, runner, migrationsDirectory: `${projectRoot}/migrations`, directoryRead: true },
  state,
});

const rev = (id: string, parents: string[], extra: Partial<AlembicRevision> = {}): AlembicRevision => ({
  id,
  parents,
  message: `msg ${id}`,
  file: `/w/py/versions/${id}.py`,
  branchLabels: [],
  isMerge: parents.length > 1,
  isHead: false,
  isBranchPoint: false,
  isCurrent: false,
  state: 'pending',
  ...extra,
});

/** a ─┬─ b ─┐
 *     └─ c ─┴─ d (merge, head); current b. */
const alembic = (current: string[] | null, heads = ['d']): AlembicHistoryResult => ({
  runner: 'alembic',
  config: '/w/py/alembic.ini',
  versionLocations: ['/w/py/versions'],
  heads,
  revisions: [
    rev('d', ['b', 'c'], { isHead: true, state: current === null ? 'unknown' : 'pending' }),
    rev('b', ['a'], { isCurrent: current?.includes('b') ?? false, state: current === null ? 'unknown' : 'applied' }),
    rev('c', ['a'], { state: current === null ? 'unknown' : 'pending' }),
    rev('a', [], { isBranchPoint: true, state: current === null ? 'unknown' : 'applied' }),
  ],
  current,
  ...(current === null ? { currentUnknownReason: 'The SQLite database /w/py/app.db does not exist.' } : {}),
  database: 'sqlite:///app.db',
  problems: heads.length > 1 ? [`${heads.length} heads (${heads.join(', ')}): \`alembic upgrade head\` fails until they are merged.`] : [],
});

void describe('Revisions roots', () => {
  it('a Knex root: folder and environment as the label, runner and database as the description; protected is red', () => {
    const dev = rootView(root({ kind: 'knex', status: knexStatus('development', false) }));
    assert.deepEqual([dev.label, dev.description, dev.protected], ['api · development', 'knex · sqlite3 dev.sqlite3', false]);
    const prod = rootView(root({ kind: 'knex', status: knexStatus('production', true) }));
    assert.deepEqual([prod.label, prod.protected], ['api · production', true]);
    assert.match(prod.tooltip, /protected/);
  });

  it('the folder label names the workspace folder only when several are open, and the project folder below it', () => {
    const state = { kind: 'knex', status: knexStatus('development', false) } as const;
    assert.equal(rootFolderLabel(root(state, '/w/services/api')), 'services/api');
    assert.equal(rootFolderLabel(root(state, '/w/services/api', 'knex', 2)), 'w/services/api');
    assert.equal(rootFolderLabel(root(state, '/w', 'knex', 2)), 'w');
  });

  it('an error root: level error, and a hint naming the setting or command, not a CLI flag', () => {
    const view = rootView(root({ kind: 'error', error: { code: 'knexfile-load', message: "Knexfile has no environment 'staging'.", hint: 'Pick one with --env NAME', environments: ['development', 'production'] } }));
    assert.equal(view.level, 'error');
    const hint = errorHint({ code: 'knexfile-load', message: 'x', environments: ['development', 'production'] });
    assert.match(hint, /Select Environment/);
    assert.match(hint, /migrationGuard\.environment/);
    assert.match(hint, /development, production/);
    for (const code of ['knexfile-load', 'no-project', 'connection', 'usage']) {
      const h = errorHint({ code, message: 'x', hint: 'pass --knexfile or --env' });
      assert.match(h, /migrationGuard\.(knexfile|environment)/, code);
      assert.doesNotMatch(h, /--\w/, `${code}: no CLI flag`);
    }
  });

  it('a database that did not answer in time, or a cancelled read: the hint names migrationGuard.connectTimeout', () => {
    for (const message of ['The database at postgres://app:****@db:5432/app did not answer within 10 s.', "Cannot reach the database at db:5432 (no connection opened within the knexfile's acquireConnectionTimeout). Connection: postgres://app:****@db:5432/app."]) {
      const h = errorHint({ code: 'connection', message, hint: 'raise --connect-timeout' });
      assert.match(h, /setting migrationGuard\.connectTimeout/);
      assert.doesNotMatch(h, /--\w/);
    }
    assert.match(errorHint({ code: 'cancelled', message: 'Cancelled.' }), /Retry .*migrationGuard\.connectTimeout/);
    // A refused connection is not a matter of time: the hint stays on the connection and the environment.
    assert.match(errorHint({ code: 'connection', message: 'Cannot reach the database at 127.0.0.1:5432 (connection refused: nothing listens there).' }), /migrationGuard\.environment/);
  });
});

void describe('Revisions roots: the last Validate (drift badge)', () => {
  const dev = root({ kind: 'knex', status: knexStatus('development', false) });
  const now = Date.parse('2026-12-07T02:00:00Z');
  const at = '2026-12-07T01:55:00.000Z';
  const validated = (result: Partial<Extract<ValidationRecord, { kind: 'result' }>['result']>): ValidationRecord => ({
    kind: 'result',
    at,
    result: { valid: true, problems: [], checked: ['migration files', 'checksums', 'lock', 'schema drift', 'PRAGMA foreign_key_check'], drift: [], ...result },
  });
  const item = (table: string, n: number): DriftItem => ({ kind: 'extra-column', table, column: `c${n}`, message: `Column ${table}.c${n} exists but no migration creates it.`, hint: 'Write a migration.' });

  it('never validated: nothing about drift (no badge, no "no drift"), the view as before', () => {
    const view = rootView(dev, undefined, now);
    assert.deepEqual(view, rootView(dev));
    assert.equal(view.description, 'knex · sqlite3 dev.sqlite3');
    assert.equal(view.validation, undefined);
    assert.equal(view.level, 'ok');
    assert.doesNotMatch(view.tooltip, /drift/i);
  });

  it('drift found: "· drift: N" in the description, a warning, the first items in the tooltip with the time', () => {
    const drift = [item('users', 1), item('orders', 2), item('users', 3), item('a', 4), item('b', 5), item('c', 6), item('d', 7)];
    const view = rootView(dev, validated({ valid: false, drift }), now);
    assert.equal(view.label, 'api · development');
    assert.equal(view.description, 'knex · sqlite3 dev.sqlite3 · drift: 7');
    assert.equal(view.validation, 'found');
    assert.equal(view.level, 'warning');
    assert.match(view.tooltip, /Schema drift: 7 items \(Validate 5 minutes ago, 2026-12-07T01:55:00\.000Z\):\n {2}• users: Column users\.c1 exists/);
    assert.equal(view.tooltip.match(/ {2}• /g)?.length, TOOLTIP_DRIFT_ITEMS);
    assert.match(view.tooltip, /… and 2 more\nRun Validate for the report\.$/);
    assert.match(view.tooltip, /^api: Knex project\n/, 'the project lines stay first');
  });

  it('no drift: said only because a Validate said so, with its time; no badge in the description', () => {
    const view = rootView(dev, validated({}), now);
    assert.equal(view.description, 'knex · sqlite3 dev.sqlite3');
    assert.equal(view.validation, 'none');
    assert.equal(view.level, 'ok');
    assert.match(view.tooltip, /\nNo schema drift: Validate found none \(5 minutes ago, 2026-12-07T01:55:00\.000Z\)\.$/);
  });

  it('a failed Validate, unchecked drift and other problems are never "no drift"', () => {
    const failed = rootView(dev, { kind: 'error', at, error: { code: 'connection', message: 'Could not open the database.' } }, now);
    assert.deepEqual([failed.description, failed.validation, failed.level], ['knex · sqlite3 dev.sqlite3 · validate failed', 'failed', 'warning']);
    assert.match(failed.tooltip, /Validate failed \(5 minutes ago, .*\): Could not open the database\.\nSchema drift is unknown\./);
    const unchecked = rootView(dev, validated({ valid: false, problems: [{ code: 'drift-unchecked', message: 'Schema drift was not checked: 004_x.js failed.' }] }), now);
    assert.deepEqual([unchecked.description, unchecked.validation], ['knex · sqlite3 dev.sqlite3 · drift: unknown', 'unknown']);
    const edited = rootView(dev, validated({ valid: false, problems: [{ code: 'edited', severity: 'warning', message: 'x' }] }), now);
    assert.deepEqual([edited.description, edited.validation, edited.level], ['knex · sqlite3 dev.sqlite3 · validate: 1 problem', 'problems', 'warning']);
    for (const view of [failed, unchecked, edited]) assert.doesNotMatch(view.tooltip, /No schema drift:/);
  });

  it('an error root ignores a Validate record (its state could not be read)', () => {
    const view = rootView(root({ kind: 'error', error: { code: 'connection', message: 'down' } }), validated({ valid: false, drift: [item('users', 1)] }), now);
    assert.equal(view.level, 'error');
    assert.equal(view.validation, undefined);
  });
});

void describe('Alembic rows', () => {
  it('heads first as the engine orders them, merge and branch point and current marked, pending shown', () => {
    const rows = alembicRows(alembic(['b']));
    assert.deepEqual(
      rows.map((r) => [r.label, r.description, r.icon]),
      [
        ['msg d', 'd · head · merge of b + c · pending', 'git-merge'],
        ['msg b', 'b · current', 'target'],
        ['msg c', 'c · pending', 'circle-large-outline'],
        ['msg a', 'a · branch point · applied', 'repo-forked'],
      ],
    );
  });

  it('several heads: a warning row naming alembic merge heads (the engine problem is not repeated)', () => {
    const rows = alembicRows(alembic(['b'], ['c', 'd']));
    assert.equal(rows[0]?.label, '2 heads: run alembic merge heads');
    assert.equal(rows[0]?.color, 'warning');
    assert.equal(rows.filter((r) => /heads/.test(r.label)).length, 1);
  });

  it('current unknown: a "State unknown" row with the reason, every revision "state unknown"', () => {
    const rows = alembicRows(alembic(null));
    assert.deepEqual([rows[0]?.label, rows[0]?.description], ['State unknown', 'The SQLite database /w/py/app.db does not exist.']);
    assert.ok(rows.slice(1).every((r) => r.description.endsWith('state unknown')));
  });
});

void describe('Plain folder rows', () => {
  const folder = (known: boolean): FolderStateResult => ({
    runner: 'sql',
    flavor: 'golang-migrate',
    migrationsDirectory: '/w/db/migrations',
    database: known ? 'postgres://app:****@h/app' : null,
    table: 'schema_migrations',
    stateKnown: known,
    ...(known ? {} : { stateUnknownReason: 'DATABASE_URL is not set.' }),
    migrations: [
      { name: '1_create_users', version: '1', file: '/w/db/migrations/1_create_users.up.sql', state: known ? 'applied' : 'unknown' },
      { name: '2_add_email', version: '2', file: '/w/db/migrations/2_add_email.up.sql', state: known ? 'pending' : 'unknown' },
    ],
    current: known ? '1' : null,
    problems: [],
  });

  it('state unknown is said, and the migrations are "state unknown", never applied', () => {
    const rows = folderRows(folder(false));
    assert.deepEqual(rows.map((r) => [r.label, r.description]), [
      ['State unknown', 'DATABASE_URL is not set.'],
      ['create_users', '1 · state unknown'],
      ['add_email', '2 · state unknown'],
    ]);
    assert.equal(rootView(root({ kind: 'folder', state: folder(false) }, '/w/db', 'sql')).level, 'warning');
  });

  it('known state: current marked', () => {
    assert.deepEqual(folderRows(folder(true)).map((r) => r.description), ['1 · current · applied', '2 · pending']);
  });

  it('the status bar never says "up to date" for an unknown or errored state', () => {
    assert.equal(summarizeProjectState({ kind: 'folder', state: folder(false) }).text, '$(question) state unknown');
    assert.equal(summarizeProjectState({ kind: 'alembic', state: alembic(null) }).text, '$(question) state unknown');
    assert.equal(summarizeProjectState({ kind: 'error', error: { code: 'connection', message: 'refused' } }).level, 'error');
    assert.equal(summarizeProjectState({ kind: 'alembic', state: alembic(['b']) }).text, '$(database) 2 pending');
    assert.equal(summarizeProjectState({ kind: 'alembic', state: alembic(['b'], ['c', 'd']) }).text, '$(warning) 2 heads');
    assert.equal(summarizeProjectState({ kind: 'folder', state: folder(true) }).text, '$(database) 1 pending');
    const dirty: FolderStateResult = { ...folder(true), problems: [{ severity: 'error', code: 'dirty', message: 'Version 2 is dirty.' }] };
    assert.deepEqual([summarizeProjectState({ kind: 'folder', state: dirty }).text, summarizeProjectState({ kind: 'folder', state: dirty }).level], ['$(error) dirty', 'error']);
  });
});

void describe('names and times', () => {
  it('short names drop the version prefix and the extension', () => {
    assert.deepEqual(shortName('20240105090000_create_users.js'), { label: 'create_users', prefix: '20240105090000' });
    assert.deepEqual(shortName('V1_1__add_index.sql'), { label: 'add_index', prefix: 'V1_1' });
    assert.deepEqual(shortName('1_create_users.up.sql'), { label: 'create_users', prefix: '1' });
    assert.deepEqual(shortName('1700000000000_create-users.ts'), { label: 'create-users', prefix: '1700000000000' });
    assert.deepEqual(shortName('seed.js'), { label: 'seed' });
  });
});

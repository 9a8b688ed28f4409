/**
 * The Validate report document (client/src/validate-report.ts): the header names the project, environment and
 * database as the engine gave them (masked), the verdict never says "valid" for an error or for drift, drift is grouped
 * by table with what to do, then the problems and what was checked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driftByTable, driftOf, latestRecord, projectKey, renderValidateReport, validateVerdict, type ValidationRecord } from '../../client/src/validate-report';
import type { DriftItem, ProjectInfo, ValidateResult } from '../../server/src/protocol';

const project: ProjectInfo = {
  knexfile: '/w/api/knexfile.js',
  environment: 'staging',
  client: 'pg',
  connection: 'postgres://app:****@db.internal:5432/shop',
  databaseName: 'shop',
  migrationDirectories: ['/w/api/migrations'],
  source: 'knexfile',
};

const CHECKED = ['migration files', 'checksums', 'lock', 'schema drift', 'invalid indexes and NOT VALID constraints'];
const where = { folder: 'w', root: '/w/api' };
const at = '2026-12-07T01:40:00.000Z';
const record = (result: Partial<ValidateResult>): ValidationRecord => ({ kind: 'result', at, result: { project, valid: true, problems: [], checked: CHECKED, drift: [], ...result } });

const drift: DriftItem[] = [
  { kind: 'extra-column', table: 'users', column: 'nickname', actual: 'text', message: 'Column users.nickname exists in the database but no migration creates it.', hint: 'Write a migration that adds it, or drop it.' },
  { kind: 'missing-index', table: 'orders', index: 'orders_user_id_index', expected: 'orders_user_id_index (user_id)', message: 'Index orders_user_id_index is missing.', hint: 'Create it again in a migration.' },
  { kind: 'type-mismatch', table: 'users', column: 'age', expected: 'integer', actual: 'bigint', message: 'Column users.age is bigint, the migrations make it integer.', hint: 'Change it back, or write a migration.' },
];

void describe('Validate report', () => {
  it('no drift: the header names project, environment and the masked database; the verdict says valid', () => {
    const text = renderValidateReport(record({}), where);
    assert.match(text, /^# Migration Guard: Validate\n/);
    assert.match(text, /- Project: w \(\/w\/api\)/);
    assert.match(text, /- Environment: staging\n/);
    assert.match(text, /- Database: pg postgres:\/\/app:\*\*\*\*@db\.internal:5432\/shop\n/);
    assert.match(text, /- Validated: 2026-12-07T01:40:00\.000Z/);
    assert.match(text, /\*\*Valid: no problems, no schema drift\.\*\*/);
    assert.match(text, /## Schema drift\n\nNone: the live schema is the one the applied migrations build\./);
    assert.match(text, /## Problems\n\nNone\./);
    assert.match(text, /## Checked\n\n- migration files\n- checksums\n- lock\n- schema drift\n/);
    assert.doesNotMatch(text, /###/);
  });

  it('drift across two tables: one heading per table (sorted), each item with its message and what to do, in the engine order', () => {
    const text = renderValidateReport(record({ valid: false, drift }), where);
    assert.match(text, /\*\*Invalid: 0 problems, 3 schema drift items\.\*\*/);
    assert.doesNotMatch(text, /Valid:/);
    const headings = [...text.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, ['`orders`', '`users`']);
    const users = text.slice(text.indexOf('### `users`'), text.indexOf('## Problems'));
    assert.match(users, /- \*\*extra-column\*\* column `nickname`: Column users\.nickname exists .*\n {2}- expected \(none\), actual `text`\n {2}- What to do: Write a migration that adds it, or drop it\./);
    assert.ok(users.indexOf('nickname') < users.indexOf('`age`'), 'the engine order within a table');
    assert.doesNotMatch(users, /orders_user_id_index/);
    const orders = text.slice(text.indexOf('### `orders`'), text.indexOf('### `users`'));
    assert.match(orders, /- \*\*missing-index\*\* index `orders_user_id_index`: Index orders_user_id_index is missing\.\n {2}- expected `orders_user_id_index \(user_id\)`, actual \(none\)\n {2}- What to do: Create it again in a migration\./);
    assert.deepEqual(driftByTable(drift).map(([t, items]) => [t, items.length]), [['orders', 1], ['users', 2]]);
  });

  it('an engine error is a failure, never valid: the message, the hint, drift unknown, no environment invented', () => {
    const failed: ValidationRecord = { kind: 'error', at, error: { code: 'connection', message: 'Could not connect to postgres://app:****@db.internal:5432/shop: ECONNREFUSED.', hint: 'Is the server running?' } };
    const text = renderValidateReport(failed, where);
    assert.match(text, /\*\*Validate failed: Could not connect to postgres:\/\/app:\*\*\*\*@db\.internal:5432\/shop: ECONNREFUSED\.\*\*/);
    assert.match(text, /What to do: Is the server running\?/);
    assert.match(text, /this is not a valid result\. Schema drift and integrity are unknown\./);
    assert.match(text, /- Environment and database: unknown \(the engine failed before reading them\)/);
    assert.doesNotMatch(text, /\bValid\b|no schema drift|## Checked/);
    assert.equal(validateVerdict(failed), 'Validate failed: Could not connect to postgres://app:****@db.internal:5432/shop: ECONNREFUSED.');
  });

  it('problems are listed with severity, code and migration; drift that could not be checked is unknown, not none', () => {
    const result: ValidateResult = {
      project,
      valid: false,
      problems: [
        { code: 'edited', severity: 'warning', migration: '003_users.js', message: 'Migration 003_users.js was edited after it was applied.' },
        { code: 'drift-unchecked', message: 'Schema drift was not checked: the expected schema cannot be rebuilt without the file of 004_x.js.' },
      ],
      checked: CHECKED,
      drift: [],
    };
    const unchecked: ValidationRecord = { kind: 'result', at, result };
    const text = renderValidateReport(unchecked, where);
    assert.match(text, /\*\*Invalid: 2 problems, 0 schema drift items\.\*\*/);
    assert.match(text, /## Schema drift\n\nUnknown: Schema drift was not checked: the expected schema cannot be rebuilt/);
    assert.match(text, /- \*\*warning\*\* `edited` \(`003_users\.js`\): Migration 003_users\.js was edited/);
    assert.doesNotMatch(text, /None: the live schema/);
    assert.equal(driftOf(result).checked, false);
  });

  it('fails closed on an inconsistent result, and says when drift was not checked at all (another client)', () => {
    assert.match(validateVerdict(record({ valid: true, drift })), /^Invalid: 0 problems, 3 schema drift items\./);
    assert.match(validateVerdict(record({ valid: false })), /^Invalid: .*without saying why/);
    const other = record({ checked: ['migration files', 'checksums', 'lock'] });
    assert.equal(validateVerdict(other), 'Valid: no problems. Schema drift was not checked.');
    assert.match(renderValidateReport(other, where), /## Schema drift\n\nUnknown: Schema drift was not checked/);
  });

  it('a result is kept under the database it names (status gives the same key); the later record wins', () => {
    assert.equal(projectKey(project), projectKey({ ...project }));
    assert.notEqual(projectKey(project), projectKey({ ...project, environment: 'production' }));
    assert.notEqual(projectKey(project), projectKey({ ...project, connection: 'postgres://app:****@db.internal:5432/other' }));
    const older = record({});
    const newer: ValidationRecord = { kind: 'error', at: '2026-12-07T01:41:00.000Z', error: { code: 'connection', message: 'down' } };
    assert.equal(latestRecord(older, newer), newer);
    assert.equal(latestRecord(newer, older), newer);
    assert.equal(latestRecord(undefined, older), older);
    assert.equal(latestRecord(undefined, undefined), undefined);
  });

  it('identifiers holding backticks stay code spans', () => {
    const odd: DriftItem = { kind: 'extra-table', table: 'we`ird', message: 'Table we`ird exists.', hint: 'Drop it.' };
    assert.match(renderValidateReport(record({ valid: false, drift: [odd] }), where), /^### ``we`ird``$/m);
  });
});

/**
 * The one new-migration name rule (protocol.ts normalizeMigrationName, then migrationNameProblem), used by the engine's
 * `new` and the editor's input box.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrationNameProblem, normalizeMigrationName } from '../../server/src/protocol';

test('migration names: letters, digits, _ and -, starting with a letter or a digit', () => {
  for (const ok of ['add_users', 'add-users-email', 'A1', '2fa_secrets', 'x']) assert.equal(migrationNameProblem(ok), undefined, ok);
  // The editor used to accept a leading _ or -, which the engine then refused.
  for (const bad of ['', '_add', '-add', '../evil', 'add users', 'add.users', 'añadir', 'a/b']) {
    assert.match(migrationNameProblem(bad) ?? '', /letters, digits, '_' and '-', starting with a letter or a digit/, JSON.stringify(bad));
  }
});

test('what a person types becomes a migration name: words joined by _, accents dropped, case kept', () => {
  const cases: Array<[typed: string, name: string]> = [
    ['add user email', 'add_user_email'],
    ['  Add   User Email  ', 'Add_User_Email'],
    ['add_users', 'add_users'],
    ['add-users-email', 'add-users-email'],
    ["add user's e-mail", 'add_user_s_e-mail'],
    ['añadir índice', 'anadir_indice'],
    ['drop legacy.sessions', 'drop_legacy_sessions'],
    ['../evil', 'evil'],
    ['a/b\\c', 'a_b_c'],
    ['_add', 'add'],
    ['-add-', 'add'],
    ['2fa secrets', '2fa_secrets'],
  ];
  for (const [typed, name] of cases) {
    assert.equal(normalizeMigrationName(typed), name, JSON.stringify(typed));
    assert.equal(migrationNameProblem(name), undefined, `${JSON.stringify(typed)} gives a valid name`);
  }
  // Nothing usable typed: an empty name, which the check refuses.
  for (const typed of ['', '   ', '___', '../', '日本語']) {
    assert.equal(normalizeMigrationName(typed), '', JSON.stringify(typed));
    assert.ok(migrationNameProblem(normalizeMigrationName(typed)), JSON.stringify(typed));
  }
});

/** The one new-migration name check (protocol.ts migrationNameProblem), used by the engine's `new` and the editor's input box. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrationNameProblem } from '../../server/src/protocol';

test('migration names: letters, digits, _ and -, starting with a letter or a digit', () => {
  for (const ok of ['add_users', 'add-users-email', 'A1', '2fa_secrets', 'x']) assert.equal(migrationNameProblem(ok), undefined, ok);
  // The editor used to accept a leading _ or -, which the engine then refused.
  for (const bad of ['', '_add', '-add', '../evil', 'add users', 'add.users', 'añadir', 'a/b']) {
    assert.match(migrationNameProblem(bad) ?? '', /letters, digits, '_' and '-', starting with a letter or a digit/, JSON.stringify(bad));
  }
});

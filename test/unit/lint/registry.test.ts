import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { getRuleMeta, rules } from '../../../server/src/lint';

const root = path.resolve(__dirname, '../../..');

const EXPECTED: Record<string, 'error' | 'warning' | 'info' | 'off'> = {
  'ban-drop-table': 'error',
  'ban-drop-column': 'error',
  'ban-drop-database': 'error',
  'ban-truncate': 'error',
  'ban-delete-without-where': 'error',
  'ban-update-without-where': 'warning',
  'sqlite-table-rebuild': 'warning',
  'renaming-table': 'warning',
  'renaming-column': 'warning',
  'changing-column-type': 'warning',
  'ban-drop-not-null': 'warning',
  'require-concurrent-index-creation': 'warning',
  'require-concurrent-index-deletion': 'warning',
  'concurrently-in-transaction': 'error',
  'adding-required-field': 'error',
  'adding-not-nullable-field': 'warning',
  'constraint-missing-not-valid': 'warning',
  'disallowed-unique-constraint': 'warning',
  'adding-field-with-volatile-default': 'warning',
  'require-lock-timeout': 'off',
  'prefer-robust-stmts': 'info',
  'transaction-nesting': 'warning',
  'missing-down': 'warning',
  'syntax-error': 'error',
  'uninspectable-sql': 'info',
  'unused-ignore': 'warning',
  'adding-serial-primary-key-field': 'warning',
  'ban-char-field': 'info',
  'prefer-bigint-over-int': 'off',
  'prefer-bigint-over-smallint': 'off',
  'prefer-identity': 'off',
  'prefer-text-field': 'off',
  'prefer-timestamptz': 'info',
  'identifier-too-long': 'warning',
  'ban-alter-domain-with-add-constraint': 'warning',
  'ban-create-domain-with-constraint': 'info',
  'ban-truncate-cascade': 'error',
  'ban-uncommitted-transaction': 'warning',
  'require-concurrent-reindex': 'warning',
  'require-concurrent-partition-detach': 'warning',
  'require-statement-timeout': 'off',
  'require-concurrent-refresh': 'warning',
  'ban-vacuum-full': 'warning',
  'ban-cluster': 'warning',
  'ban-set-logged-unlogged': 'warning',
  'prefer-jsonb': 'info',
  'adding-enum-value-in-transaction': 'error',
  'schema-change-with-backfill': 'warning',
  'foreign-key-missing-index': 'warning',
  'ban-lock-table': 'warning',
  'ban-drop-cascade': 'warning',
  'ban-alter-table-set-schema': 'warning',
  'ban-add-exclusion-constraint': 'warning',
  'ban-rename-enum-value': 'warning',
  'statement-not-allowed-in-transaction': 'error',
  'require-primary-key': 'info',
};

void describe('rule registry', () => {
  void it('lists every required rule with its default severity', () => {
    const registered = Object.fromEntries(rules.map((r) => [r.id, r.defaultSeverity]));
    for (const [id, severity] of Object.entries(EXPECTED)) assert.equal(registered[id], severity, id);
  });

  void it('every rule has a title, description, help, docs page with the required sections', () => {
    for (const meta of rules) {
      assert.ok(meta.title && meta.description && meta.help, meta.id);
      assert.equal(meta.docsPath, `docs/rules/${meta.id}.md`);
      const file = path.join(root, meta.docsPath);
      assert.ok(existsSync(file), `${file} exists`);
      const doc = readFileSync(file, 'utf8');
      assert.match(doc, new RegExp(`^# ${meta.id}`, 'm'), `${meta.id} title`);
      for (const heading of ['## Why', '## Bad', '## Good', '## Source']) assert.ok(doc.includes(heading), `${meta.id}: ${heading}`);
    }
  });

  void it('getRuleMeta finds rules by id and returns undefined otherwise', () => {
    assert.equal(getRuleMeta('ban-drop-table')?.lock, 'ACCESS EXCLUSIVE (DROP TABLE)');
    assert.deepEqual(getRuleMeta('require-concurrent-index-creation')?.dialects, ['postgresql']);
    assert.equal(getRuleMeta('nope'), undefined);
  });
});

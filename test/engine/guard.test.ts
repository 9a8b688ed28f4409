/**
 * Production guard: environments named production/prod, or marked `migrationGuard: { protected: true }`,
 * need the database name typed (`confirm` / `--confirm`) for every write; nothing is written without it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { databaseNameOf, downgrade, EngineError, getStatus, isProtectedEnvironment, loadProject, markApplied, unlock, unmark, upgrade } from '../../server/src/migrations';
import { main } from '../../server/src/cli/main';
import type { ErrorResult, UpgradeResult } from '../../server/src/protocol';
import { createTableMigration, pgSkip, runCli, tempDir, writeFiles } from './helpers';
import { pgProject } from './movements-helpers';

function knexfile(): string {
  const env = (file: string, extra = '') => `{ client: 'sqlite3', connection: { filename: ${JSON.stringify(file)} }, useNullAsDefault: true, migrations: { directory: './migrations' }${extra} }`;
  return `module.exports = {
  development: ${env('./dev.sqlite3')},
  production: ${env('./prod.sqlite3')},
  staging: ${env('./staging.sqlite3', ', migrationGuard: { protected: true }')},
};
`;
}

async function confirmationRequired(p: Promise<unknown>, dbName: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.equal(e.code, 'confirmation-required');
    assert.match(e.message, new RegExp(`database '${dbName.replace(/\./g, '\\.')}'`));
    assert.equal(e.hint, `Type the database name to confirm: --confirm ${dbName}`);
    return true;
  });
}

void describe('production guard', () => {
  void it('decides protection from the environment name or migrationGuard.protected, and names the database', () => {
    assert.equal(isProtectedEnvironment('production', {}), true);
    assert.equal(isProtectedEnvironment('PROD', {}), true);
    assert.equal(isProtectedEnvironment('production', { migrationGuard: { protected: false } }), true);
    assert.equal(isProtectedEnvironment('staging', { migrationGuard: { protected: true } }), true);
    assert.equal(isProtectedEnvironment('development', {}), false);
    assert.equal(isProtectedEnvironment(null, { migrationGuard: { protected: 'yes' } }), false);
    assert.equal(databaseNameOf('pg', 'postgres://u:p@h:5432/shop', null), 'shop');
    assert.equal(databaseNameOf('pg', { host: 'h', database: 'orders' }, null), 'orders');
    assert.equal(databaseNameOf('pg', { connectionString: 'postgres://h/inv' }, null), 'inv');
    assert.equal(databaseNameOf('sqlite3', { filename: '/x/app.sqlite3' }, '/x/app.sqlite3'), 'app.sqlite3');
  });

  void it('every write on production needs --confirm <database name>; reads and dev do not (SQLite)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': knexfile(), 'migrations/001_a.js': createTableMigration('a'), 'migrations/002_b.js': createTableMigration('b') });
      const prod = await loadProject({ cwd: dir, env: 'production', processEnv: {} });
      assert.equal(prod.info.protected, true);
      assert.equal(prod.info.databaseName, 'prod.sqlite3');
      await confirmationRequired(upgrade(prod, { noBackup: true }), 'prod.sqlite3');
      await confirmationRequired(upgrade(prod, { noBackup: true, confirm: 'dev.sqlite3' }), 'prod.sqlite3');
      await confirmationRequired(markApplied(prod, '001_a.js'), 'prod.sqlite3');
      assert.equal(existsSync(path.join(dir, 'prod.sqlite3')), false, 'nothing written');
      const plan = await upgrade(prod, { dryRun: true });
      assert.deepEqual(plan.pending, ['001_a.js', '002_b.js'], 'a dry run needs no confirmation');
      const done = await upgrade(prod, { noBackup: true, confirm: 'prod.sqlite3' });
      assert.deepEqual(done.applied, ['001_a.js', '002_b.js']);
      await confirmationRequired(downgrade(prod, { noBackup: true }), 'prod.sqlite3');
      await confirmationRequired(unmark(prod, '002_b.js'), 'prod.sqlite3');
      await confirmationRequired(unlock(prod), 'prod.sqlite3');
      assert.equal((await getStatus(prod)).current, '002_b.js', 'reads need no confirmation');
      assert.deepEqual((await downgrade(prod, { noBackup: true, confirm: 'prod.sqlite3' })).undone, ['002_b.js']);

      const staging = await loadProject({ cwd: dir, env: 'staging', processEnv: {} });
      assert.equal(staging.protected, true);
      assert.equal((staging.knexConfig as Record<string, unknown>).migrationGuard, undefined, 'the key is not passed to Knex');
      await confirmationRequired(upgrade(staging, { noBackup: true }), 'staging.sqlite3');

      const dev = await loadProject({ cwd: dir, processEnv: {} });
      assert.equal(dev.protected, false);
      assert.deepEqual((await upgrade(dev, { noBackup: true })).applied, ['001_a.js', '002_b.js']);
    } finally {
      cleanup();
    }
  });

  void it('the CLI exits 1 with confirmation-required naming the database, and applies with --confirm', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': knexfile(), 'migrations/001_a.js': createTableMigration('a') });
      const refused = await runCli(['upgrade', '--yes', '--no-backup', '--env', 'production', '--json', '--cwd', dir]);
      assert.equal(refused.code, 1, refused.stderr);
      const e = JSON.parse(refused.stdout) as ErrorResult;
      assert.equal(e.error.code, 'confirmation-required');
      assert.match(e.error.message, /protected environment 'production' \(database 'prod\.sqlite3'\)/);
      assert.match(e.error.hint ?? '', /--confirm prod\.sqlite3/);
      const text = await runCli(['mark-applied', '001_a.js', '--env', 'production', '--cwd', dir]);
      assert.equal(text.code, 1);
      assert.match(text.stderr, /error: mark-applied on the protected environment 'production'.*\nhint: Type the database name to confirm: --confirm prod\.sqlite3/);
      const ok = await runCli(['upgrade', '--yes', '--no-backup', '--env', 'production', '--confirm', 'prod.sqlite3', '--json', '--cwd', dir]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual((JSON.parse(ok.stdout) as UpgradeResult).applied, ['001_a.js']);
    } finally {
      cleanup();
    }
  });

  void it('on a terminal, upgrade and downgrade ask for --confirm before showing a plan or a y/N prompt', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': knexfile(), 'migrations/001_a.js': createTableMigration('a') });
      const questions: string[] = [];
      let err = '';
      const io = { isTTY: true, cwd: dir, stdout: () => {}, stderr: (t: string) => void (err += t), ask: (q: string) => (questions.push(q), Promise.resolve('y')) };
      assert.equal(await main(['upgrade', '--env', 'production', '--no-backup'], io), 1);
      assert.equal(await main(['downgrade', '--env', 'production', '--no-backup'], io), 1);
      assert.deepEqual(questions, [], 'no y/N prompt before the database name is confirmed');
      assert.match(err, /error: upgrade on the protected environment 'production'[^\n]*\nhint: Type the database name to confirm: --confirm prod\.sqlite3/);
      assert.match(err, /error: downgrade on the protected environment 'production'/);
      assert.equal(existsSync(path.join(dir, 'prod.sqlite3')), false);
      assert.equal(await main(['upgrade', '--env', 'production', '--no-backup', '--confirm', 'prod.sqlite3'], io), 0);
      assert.equal(questions.length, 1, 'then the usual y/N prompt');
    } finally {
      cleanup();
    }
  });

  void it('PostgreSQL: the database name from the connection is the one to type', { skip: pgSkip('PostgreSQL production-guard test') }, async () => {
    const tp = await pgProject({ '001_a.js': createTableMigration('a') }, ', migrationGuard: { protected: true }');
    try {
      const project = await tp.load();
      assert.equal(project.databaseName, tp.databaseName);
      await confirmationRequired(upgrade(project, { noBackup: true }), tp.databaseName);
      assert.deepEqual(await tp.tables(), [], 'nothing written');
      assert.deepEqual((await upgrade(project, { noBackup: true, confirm: tp.databaseName })).applied, ['001_a.js']);
    } finally {
      await tp.cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findKnexfile } from '../../server/src/config';
import { EngineError, loadProject } from '../../server/src/migrations';
import { sqliteKnexfile, tempDir, writeFiles } from './helpers';

void describe('config: loadProject', () => {
  void it('finds the knexfile upward from a subfolder and resolves paths against the knexfile folder, not process.cwd()', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile('./data/app.sqlite3', './db/migrations'), 'src/deep/x.txt': '' });
      assert.notEqual(process.cwd(), dir);
      const p = await loadProject({ cwd: path.join(dir, 'src', 'deep'), processEnv: {} });
      assert.equal(p.info.knexfile, path.join(dir, 'knexfile.js'));
      assert.equal(p.info.source, 'knexfile');
      assert.equal(p.info.environment, 'development');
      assert.equal(p.root, dir);
      assert.deepEqual(p.info.migrationDirectories, [path.join(dir, 'db', 'migrations')]);
      assert.equal(p.sqliteFile, path.join(dir, 'data', 'app.sqlite3'));
      assert.equal(p.info.connection, path.join(dir, 'data', 'app.sqlite3'));
      assert.equal(p.dialect, 'sqlite');
      assert.deepEqual((p.knexConfig.migrations as { directory: string[] }).directory, [path.join(dir, 'db', 'migrations')]);
      assert.equal(findKnexfile(path.join(dir, 'src')), path.join(dir, 'knexfile.js'));
      assert.equal(existsSync(path.join(dir, 'data', 'app.sqlite3')), false, 'loading the config must not create the database');
    } finally {
      cleanup();
    }
  });

  void it('uses the one client table: the family and dialect of a client name in any letter case, and the connection shown', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': `module.exports = {
  development: { client: 'SQLite3', connection: { filename: './dev.sqlite3' } },
  production: { client: 'pg-native', connection: { host: 'db.example', user: 'app', password: 's3cretpw', database: 'app' } },
};`,
      });
      const dev = await loadProject({ cwd: dir, processEnv: {} });
      assert.equal(dev.family, 'sqlite');
      assert.equal(dev.dialect, 'sqlite');
      assert.equal(dev.sqliteFile, path.join(dir, 'dev.sqlite3'));
      const prod = await loadProject({ cwd: dir, env: 'production', processEnv: {} });
      assert.equal(prod.family, 'postgresql');
      assert.equal(prod.dialect, 'postgresql');
      assert.equal(prod.info.connection, 'postgres://app:****@db.example/app');
    } finally {
      cleanup();
    }
  });

  void it('selects the environment: --env, then NODE_ENV, then development; whole object when not keyed', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': `module.exports = {
  development: { client: 'sqlite3', connection: { filename: './dev.sqlite3' } },
  staging: { client: 'sqlite3', connection: { filename: './staging.sqlite3' }, migrationGuard: { protected: true } },
  production: { client: 'pg', connection: 'postgres://app:s3cretpw@db.example:5432/app', migrations: { directory: ['./a', './b'], tableName: 'schema_history' } },
};`,
        'flat/knexfile.cjs': `module.exports = { client: 'sqlite3', connection: { filename: 'flat.sqlite3' } };`,
      });
      const dev = await loadProject({ cwd: dir, processEnv: {} });
      assert.equal(dev.info.environment, 'development');
      assert.deepEqual(dev.info.environments, ['development', 'staging', 'production'], "the knexfile's environments, in its order");
      assert.deepEqual(dev.info.protectedEnvironments, ['staging', 'production'], 'by name, or by migrationGuard.protected');
      assert.equal(dev.info.protected, false);
      assert.equal(dev.sqliteFile, path.join(dir, 'dev.sqlite3'));
      const staging = await loadProject({ cwd: dir, processEnv: { NODE_ENV: 'staging' } });
      assert.equal(staging.info.environment, 'staging');
      const prod = await loadProject({ cwd: dir, env: 'production', processEnv: { NODE_ENV: 'staging' } });
      assert.equal(prod.info.environment, 'production');
      assert.equal(prod.family, 'postgresql');
      assert.equal(prod.dialect, 'postgresql');
      assert.equal(prod.info.connection, 'postgres://app:****@db.example:5432/app');
      assert.equal(prod.migrations.tableName, 'schema_history');
      assert.deepEqual(prod.info.migrationDirectories, [path.join(dir, 'a'), path.join(dir, 'b')]);
      const flat = await loadProject({ cwd: path.join(dir, 'flat'), processEnv: { NODE_ENV: 'production' } });
      assert.equal(flat.info.environment, null);
      assert.deepEqual(flat.info.environments, [], 'not keyed by environment');
      assert.equal(flat.info.knexfile, path.join(dir, 'flat', 'knexfile.cjs'));
      assert.deepEqual(flat.info.migrationDirectories, [path.join(dir, 'flat', 'migrations')]);
      await assert.rejects(loadProject({ cwd: dir, env: 'nope', processEnv: {} }), (e: unknown) => e instanceof EngineError && e.code === 'knexfile-load' && /nope/.test(e.message) && e.environments?.join() === 'development,staging,production');
    } finally {
      cleanup();
    }
  });

  void it('honours a default export, an async function export, .mjs knexfiles and --knexfile', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'fn/knexfile.js': `module.exports = async () => ({ development: { client: 'sqlite3', connection: { filename: './fn.sqlite3' } } });`,
        'esm/knexfile.mjs': `export default { development: { client: 'sqlite3', connection: { filename: './esm.sqlite3' }, migrations: { directory: './m' } } };`,
        'other/config/my-knexfile.js': `module.exports = { default: { client: 'sqlite3', connection: { filename: '../x.sqlite3' } } };`,
      });
      assert.equal((await loadProject({ cwd: path.join(dir, 'fn'), processEnv: {} })).sqliteFile, path.join(dir, 'fn', 'fn.sqlite3'));
      const esm = await loadProject({ cwd: path.join(dir, 'esm'), processEnv: {} });
      assert.equal(esm.sqliteFile, path.join(dir, 'esm', 'esm.sqlite3'));
      assert.deepEqual(esm.info.migrationDirectories, [path.join(dir, 'esm', 'm')]);
      const explicit = await loadProject({ cwd: path.join(dir, 'other'), knexfile: 'config/my-knexfile.js', processEnv: {} });
      assert.equal(explicit.sqliteFile, path.join(dir, 'other', 'x.sqlite3'));
      assert.equal(explicit.root, path.join(dir, 'other', 'config'));
    } finally {
      cleanup();
    }
  });

  void it('falls back to DATABASE_URL, then to the embedded SQLite default relative to cwd (only when ./migrations exists)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const url = await loadProject({ cwd: dir, processEnv: { DATABASE_URL: 'postgresql://u:hunter2pw@h/db' } });
      assert.equal(url.info.source, 'DATABASE_URL');
      assert.equal(url.client, 'pg');
      assert.equal(url.info.connection, 'postgresql://u:****@h/db');
      assert.equal(url.info.knexfile, null);
      await assert.rejects(loadProject({ cwd: dir, processEnv: {} }), (e: unknown) => e instanceof EngineError && e.code === 'no-project');
      writeFiles(dir, { 'migrations/.keep': '' });
      const def = await loadProject({ cwd: dir, processEnv: {} });
      assert.equal(def.info.source, 'embedded-default');
      assert.equal(def.sqliteFile, path.join(dir, 'dev.sqlite3'));
      assert.deepEqual(def.info.migrationDirectories, [path.join(dir, 'migrations')]);
    } finally {
      cleanup();
    }
  });

  void it('reports a broken knexfile as knexfile-load, with secrets masked', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': `throw new Error('cannot reach postgres://admin:topsecret1@db/app');` });
      await assert.rejects(loadProject({ cwd: dir, processEnv: {} }), (e: unknown) => {
        assert.ok(e instanceof EngineError);
        assert.equal(e.code, 'knexfile-load');
        assert.match(e.message, /Failed to load knexfile .*knexfile\.js/);
        assert.ok(!e.message.includes('topsecret1'), e.message);
        assert.ok(e.message.includes('admin:****@db'), e.message);
        return true;
      });
      writeFiles(dir, { 'knexfile.js': `module.exports = {{ syntax error` });
      await assert.rejects(loadProject({ cwd: dir, processEnv: {} }), (e: unknown) => e instanceof EngineError && e.code === 'knexfile-load');
      await assert.rejects(loadProject({ cwd: dir, knexfile: 'missing.js', processEnv: {} }), (e: unknown) => e instanceof EngineError && e.code === 'knexfile-load' && /not found/.test(e.message));
    } finally {
      cleanup();
    }
  });
});

/**
 * Issue 13, item 4: no command ends in silence. A knexfile whose export never settles, a server that accepts and
 * never answers: every engine command prints an error and exits 2 (spawned CLI, real processes and sockets).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ErrorResult } from '../../server/src/protocol';
import { runCli, sqliteTables, tempDir, writeFiles } from './helpers';

/** A local TCP server that accepts connections and never writes a byte, and its port. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const COMMANDS = [['status'], ['validate'], ['backup'], ['upgrade', '--yes']];

void describe('no silent exit', () => {
  void it('a knexfile exporting a promise that never settles: every engine command exits 2 with knexfile-load, text and --json', { timeout: 120_000 }, async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': 'module.exports = new Promise(() => {});\n' });
      const knexfile = path.join(dir, 'knexfile.js');
      for (const command of COMMANDS) {
        const [json, text] = await Promise.all([runCli([...command, '--json', '--cwd', dir]), runCli([...command, '--cwd', dir])]);
        assert.equal(json.code, 2, `${command.join(' ')} --json: ${json.stdout}${json.stderr}`);
        const e = JSON.parse(json.stdout) as ErrorResult;
        assert.equal(e.error.code, 'knexfile-load');
        assert.ok(e.error.message.includes("knexfile's export") && e.error.message.includes('never settled') && e.error.message.includes(knexfile), e.error.message);
        assert.equal(text.code, 2, `${command.join(' ')}: ${text.stdout}${text.stderr}`);
        assert.equal(text.stdout, '');
        assert.match(text.stderr, /^error: The knexfile's export \(.*\) never settled/m);
        assert.match(text.stderr, /^hint: /m);
      }
    } finally {
      cleanup();
    }
  });

  void it('with a timer keeping the process alive, --load-timeout ends the wait (exit 2, names the knexfile)', { timeout: 60_000 }, async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': 'setInterval(() => {}, 1000);\nmodule.exports = new Promise(() => {});\n' });
      const started = Date.now();
      const [json, text] = await Promise.all([
        runCli(['status', '--json', '--load-timeout', '1', '--cwd', dir]),
        runCli(['upgrade', '--yes', '--load-timeout', '0.5', '--cwd', dir]),
      ]);
      const elapsed = Date.now() - started;
      assert.equal(json.code, 2, json.stdout + json.stderr);
      const e = JSON.parse(json.stdout) as ErrorResult;
      assert.equal(e.error.code, 'knexfile-load');
      assert.equal(e.error.message, `The knexfile's export (${path.join(dir, 'knexfile.js')}) did not settle within 1 s.`);
      assert.equal(text.code, 2, text.stdout + text.stderr);
      assert.match(text.stderr, /^error: The knexfile's export \(.*knexfile\.js\) did not settle within 0\.5 s\./m);
      // 1 s of waiting, start-up, and the 2 s runAsProgram gives a process that left a handle open.
      assert.ok(elapsed < 20_000, `took ${elapsed} ms`);
    } finally {
      cleanup();
    }
  });

  void it('an .mjs migration whose top-level await never ends: upgrade --yes exits 2 naming it and applies nothing', { timeout: 60_000 }, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const knexfile = `module.exports = { client: 'sqlite3', connection: { filename: './db/app.sqlite3' }, useNullAsDefault: true, migrations: { directory: './db/migrations', loadExtensions: ['.js', '.mjs'] } };\n`;
      const migration = (timer: string) => `${timer}await new Promise(() => {});\nexport const up = (knex) => knex.schema.createTable('a', (t) => t.increments());\nexport const down = (knex) => knex.schema.dropTable('a');\n`;
      const quiet = path.join(dir, 'quiet');
      const busy = path.join(dir, 'busy');
      writeFiles(quiet, { 'knexfile.js': knexfile, 'db/migrations/001_a.mjs': migration('') });
      writeFiles(busy, { 'knexfile.js': knexfile, 'db/migrations/001_a.mjs': migration('setInterval(() => {}, 1000);\n') });
      const [never, late] = await Promise.all([
        runCli(['upgrade', '--yes', '--json', '--cwd', quiet]),
        runCli(['upgrade', '--yes', '--load-timeout', '1', '--cwd', busy]),
      ]);
      assert.equal(never.code, 2, never.stdout + never.stderr);
      const e = JSON.parse(never.stdout) as ErrorResult;
      assert.equal(e.error.code, 'knexfile-load');
      assert.equal(e.error.message, `The migration module ${path.join(quiet, 'db', 'migrations', '001_a.mjs')} never settled: nothing was left running that could settle it.`);
      assert.equal(late.code, 2, late.stdout + late.stderr);
      assert.ok(late.stderr.includes(`error: The migration module ${path.join(busy, 'db', 'migrations', '001_a.mjs')} did not settle within 1 s.`), late.stderr);
      for (const root of [quiet, busy]) {
        const db = path.join(root, 'db', 'app.sqlite3');
        assert.ok(!existsSync(db) || !(await sqliteTables(db)).includes('a'));
      }
    } finally {
      cleanup();
    }
  });

  void it('a --load-timeout that is not a positive number is a usage error', async () => {
    const r = await runCli(['status', '--json', '--load-timeout', 'soon']);
    assert.equal(r.code, 2);
    const e = JSON.parse(r.stdout) as ErrorResult;
    assert.equal(e.error.code, 'usage');
    assert.equal(e.error.message, "--load-timeout must be a positive number of seconds, not 'soon'.");
  });

  void it('a server that accepts and never answers: --connect-timeout ends the wait (exit 2, names host:port, no password)', { timeout: 60_000 }, async () => {
    const server = await silentServer();
    const { dir, cleanup } = tempDir();
    try {
      const password = 'p@ss:w:rd%Quiet';
      writeFiles(dir, { 'knexfile.js': `module.exports = { client: 'pg', connection: ${JSON.stringify(`postgres://app:${password}@127.0.0.1:${server.port}/appdb`)} };\n` });
      const [json, text] = await Promise.all([
        runCli(['status', '--json', '--connect-timeout', '1', '--cwd', dir]),
        runCli(['validate', '--connect-timeout', '1', '--cwd', dir]),
      ]);
      assert.equal(json.code, 2, json.stdout + json.stderr);
      const e = JSON.parse(json.stdout) as ErrorResult;
      assert.equal(e.error.code, 'connection');
      assert.equal(e.error.message, `The database at postgres://app:****@127.0.0.1:${server.port}/appdb did not answer within 1 s.`);
      assert.equal(text.code, 2, text.stdout + text.stderr);
      assert.match(text.stderr, new RegExp(`^error: The database at postgres://app:\\*{4}@127\\.0\\.0\\.1:${server.port}/appdb did not answer within 1 s\\.`, 'm'));
      for (const out of [json.stdout, json.stderr, text.stdout, text.stderr]) {
        assert.ok(!out.includes('Quiet') && !out.includes('p@ss'), out);
      }
    } finally {
      cleanup();
      await server.close();
    }
  });

  void it("the knexfile's acquireConnectionTimeout ends the wait first: said in words, not Knex's \"pool is probably full\", without waiting on the pool", { timeout: 60_000 }, async () => {
    const server = await silentServer();
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': `module.exports = { client: 'pg', connection: 'postgres://app:Quiet@127.0.0.1:${server.port}/appdb', acquireConnectionTimeout: 1000 };\n` });
      const started = Date.now();
      const json = await runCli(['status', '--json', '--connect-timeout', '30', '--cwd', dir]);
      const took = Date.now() - started;
      assert.equal(json.code, 2, json.stdout + json.stderr);
      const e = JSON.parse(json.stdout) as ErrorResult;
      assert.equal(e.error.code, 'connection');
      assert.equal(e.error.message, `Cannot reach the database at 127.0.0.1:${server.port} (no connection opened within the knexfile's acquireConnectionTimeout). Connection: postgres://app:****@127.0.0.1:${server.port}/appdb.`);
      assert.doesNotMatch(json.stdout + json.stderr, /pool is probably full|Quiet/);
      // Knex's pool would hold the half-open connection for its createTimeoutMillis (30 s) on destroy(); not waited for.
      assert.ok(took < 20_000, `took ${took} ms`);
    } finally {
      cleanup();
      await server.close();
    }
  });

  void it('a connection failure with unencoded @ : % in the URL password prints no part of it (status, text and --json)', async () => {
    const port = await closedPort();
    const { dir, cleanup } = tempDir();
    try {
      const password = 'p@ss:w:rd%Hidden';
      writeFiles(dir, { 'knexfile.js': `module.exports = { client: 'pg', connection: ${JSON.stringify(`postgres://app:${password}@127.0.0.1:${port}/appdb`)} };\n` });
      const [json, text] = await Promise.all([runCli(['status', '--json', '--cwd', dir]), runCli(['status', '--cwd', dir])]);
      assert.equal(json.code, 2, json.stdout + json.stderr);
      const e = JSON.parse(json.stdout) as ErrorResult;
      assert.equal(e.error.code, 'connection');
      assert.ok(e.error.message.includes(`postgres://app:****@127.0.0.1:${port}/appdb`), e.error.message);
      assert.equal(text.code, 2);
      assert.ok(text.stderr.includes(`postgres://app:****@127.0.0.1:${port}/appdb`), text.stderr);
      for (const out of [json.stdout, json.stderr, text.stdout, text.stderr]) {
        assert.ok(!out.includes('Hidden') && !out.includes('ss:w') && !out.includes('rd%'), out);
      }
    } finally {
      cleanup();
    }
  });
});

/**
 * The .vsix as users install it (issue 16, packaging): `node scripts/package.mjs` builds it in a staging folder (npm test
 * packages once and passes it in MG_PACKAGED_VSIX); the
 * test reads the archive, checks its size and that no build tooling ships, then unpacks it OUTSIDE the checkout and
 * runs the packaged CLI from there: the three parser front ends (libpg-query WASM for .sql, web-tree-sitter for
 * Alembic .py, the TypeScript bundle for Knex .js) and a real upgrade on SQLite (knex + the native sqlite3 binary).
 * A runtime package left out of the archive fails here, not on a user's machine.
 */
import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { repoRoot, spawnCollect, sqliteAll, tempDir, writeFiles } from './helpers';

interface ZipEntry {
  fileName: string;
}
interface ZipFile {
  readEntry(): void;
  close(): void;
  on(event: 'entry', listener: (entry: ZipEntry) => void): void;
  once(event: 'close' | 'error', listener: (err?: Error) => void): void;
  openReadStream(entry: ZipEntry, callback: (err: Error | null, stream: NodeJS.ReadableStream) => void): void;
}
/** yauzl, the zip reader of the packager (vsce, a devDependency already). */
const yauzl = createRequire(require.resolve('@vscode/vsce/out/zip'))('yauzl') as { open(file: string, options: { lazyEntries: boolean }, cb: (err: Error | null, zip: ZipFile) => void): void };

/** Every entry of a zip archive: name (case kept) → contents. */
function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out = new Map<string, Buffer>();
      zip.once('error', reject);
      zip.once('close', () => resolve(out));
      zip.on('entry', (entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

const MAX_BYTES = 5 * 1024 * 1024;
/** Build tooling and install-time packages: none of it runs in the extension. */
const BUILD_TOOLING = /\.(gyp|gypi|mk|h|hpp|c|cc|cpp|py|pyc)$|(^|\/)Makefile$|\.Makefile$|\/node_modules\/(node-gyp|prebuild-install|tar|node-addon-api|node-gyp-build)\//;

void describe('the packaged extension (.vsix)', () => {
  const tmp = tempDir();
  let vsix = path.join(tmp.dir, 'migration-guard.vsix');
  const unpacked = path.join(tmp.dir, 'unpacked');
  let entries: Map<string, Buffer>;
  const cleanEnv = { ...process.env, NODE_PATH: undefined, NODE_OPTIONS: undefined, NODE_ENV: undefined, DATABASE_URL: undefined, MIGRATION_GUARD_LINT_CACHE: path.join(tmp.dir, 'lint-cache') } as NodeJS.ProcessEnv;
  const packagedCli = (args: string[], cwd: string) => spawnCollect(process.execPath, [path.join(unpacked, 'extension', 'dist', 'cli.js'), ...args], { cwd, env: cleanEnv }).done;

  before(async () => {
    // npm test packages once (MG_PACKAGED_VSIX, the .vsix the end-to-end test installs); run alone, this test packages.
    if (process.env.MG_PACKAGED_VSIX) {
      vsix = process.env.MG_PACKAGED_VSIX;
    } else {
      const built = await spawnCollect(process.execPath, [path.join('scripts', 'package.mjs'), '--out', vsix], { cwd: repoRoot, env: { ...process.env } }).done;
      assert.equal(built.code, 0, built.stdout + built.stderr);
    }
    entries = await readZip(vsix);
    for (const [name, data] of entries) {
      const file = path.join(unpacked, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, data);
    }
  });

  void it('is at most 5 MB and ships no build tooling or install-time package', () => {
    const { size } = statSync(vsix);
    assert.ok(size <= MAX_BYTES, `${(size / 1024 / 1024).toFixed(2)} MB`);
    const tooling = [...entries.keys()].filter((n) => BUILD_TOOLING.test(n));
    assert.deepEqual(tooling, []);
    for (const needed of ['extension/dist/client.js', 'extension/dist/server.js', 'extension/dist/cli.js', 'extension/node_modules/sqlite3/build/Release/node_sqlite3.node', 'extension/node_modules/libpg-query/wasm/libpg-query.wasm', 'extension/node_modules/web-tree-sitter/web-tree-sitter.wasm', 'extension/node_modules/tree-sitter-python/tree-sitter-python.wasm']) {
      assert.ok(entries.has(needed), `${needed} is in the .vsix`);
    }
    assert.ok(![...entries.keys()].some((n) => n.endsWith('.map')), 'no source maps');
  });

  void it('runs its CLI from the unpacked folder: every parser front end, and an upgrade on SQLite', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': "module.exports = { client: 'sqlite3', connection: { filename: './db.sqlite3' }, useNullAsDefault: true, migrations: { directory: './migrations' } };\n",
        'migrations/001_users.js': "exports.up = (knex) => knex.schema.createTable('users', (t) => { t.increments('id'); t.string('email'); });\nexports.down = (knex) => knex.schema.dropTable('users');\n",
        'sql/001_drop.sql': 'DROP TABLE users;\n',
        'alembic/versions/a1_drop.py': '"""drop users"""\nfrom alembic import op\nrevision = "a1"\ndown_revision = None\n\ndef upgrade():\n    op.drop_table("users")\n\ndef downgrade():\n    pass\n',
        'knex-drop/002_drop.js': "exports.up = (knex) => knex.schema.dropTable('users');\nexports.down = () => {};\n",
      });
      const check = await packagedCli(['check', 'sql/001_drop.sql', 'alembic/versions/a1_drop.py', 'knex-drop/002_drop.js', '--format', 'json'], dir);
      assert.equal(check.code, 1, check.stderr);
      const findings = (JSON.parse(check.stdout) as { findings: Array<{ file: string; ruleId: string }> }).findings;
      for (const file of ['sql/001_drop.sql', 'alembic/versions/a1_drop.py', 'knex-drop/002_drop.js']) {
        assert.ok(findings.some((f) => f.file === file && f.ruleId === 'ban-drop-table'), `${file}: ${check.stdout}`);
      }
      const upgrade = await packagedCli(['upgrade', '--yes', '--json'], dir);
      assert.equal(upgrade.code, 0, upgrade.stdout + upgrade.stderr);
      assert.deepEqual(await sqliteAll(path.join(dir, 'db.sqlite3'), 'select name from knex_migrations'), [{ name: '001_users.js' }]);
    } finally {
      cleanup();
    }
  });

  void it('cleans up', () => tmp.cleanup());
});

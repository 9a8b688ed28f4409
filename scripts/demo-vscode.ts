/**
 * `npm run demo:vscode`: the demo workspace in a real VS Code (code-server) on a loopback port, with the extension
 * installed from the .vsix users get. Installs the test VS Code when missing (test/e2e/install-e2e-env.sh: Node 24 and
 * code-server from the npm registry), packages the extension (scripts/package.mjs; `--no-package` reuses
 * dist/migration-guard.vsix), copies examples/demo into a fresh folder with the first three migrations applied
 * (as `npm run demo` sets it up), starts code-server and prints the URL. Ctrl+C stops it and everything it
 * started.
 *
 *   npm run demo:vscode [-- --no-package]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeServer, e2eEnvironment, quietSettings } from '../test/e2e/codeServer';

const root = path.resolve(__dirname, '..');
const extensionId = 'migration-guard.migration-guard';
const vsix = path.join(root, 'dist', 'migration-guard.vsix');

function step(title: string, command: string, args: string[], cwd = root): void {
  console.log(`demo:vscode: ${title}`);
  const r = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo:vscode: ${title} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

async function main(): Promise<void> {
  step('the test VS Code (code-server from npm; skipped when installed)', 'bash', [path.join(root, 'test', 'e2e', 'install-e2e-env.sh')]);
  if (!process.argv.includes('--no-package') || !fs.existsSync(vsix)) step('packaging the extension', process.execPath, [path.join(root, 'scripts', 'package.mjs'), '--out', vsix]);
  const env = e2eEnvironment({ browser: false });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-vscode-demo-'));
  const workspace = path.join(runDir, 'demo');
  fs.cpSync(path.join(root, 'examples', 'demo'), workspace, { recursive: true, filter: (src) => !/\.sqlite3(-journal|-wal|-shm)?$/.test(src) && path.basename(src) !== '.migration-guard' });
  // The database as in production: the first three migrations applied, then the team pulls the other three.
  const held = path.join(runDir, 'incoming');
  fs.mkdirSync(held);
  const names = fs.readdirSync(path.join(workspace, 'migrations')).sort();
  for (const name of names.slice(3)) fs.renameSync(path.join(workspace, 'migrations', name), path.join(held, name));
  step('applying the first three migrations', process.execPath, [path.join(root, 'dist', 'cli.js'), 'upgrade', '--yes', '--no-backup', '--cwd', workspace]);
  for (const name of fs.readdirSync(held)) fs.renameSync(path.join(held, name), path.join(workspace, 'migrations', name));
  const server = new CodeServer({ env, runDir: path.join(runDir, 'code-server'), settings: { ...quietSettings, 'workbench.startupEditor': 'none' } });
  await server.installExtension(vsix, extensionId);
  await server.start();
  console.log(`\nMigration Guard demo in VS Code: ${server.url}/?folder=${encodeURIComponent(workspace)}\n(workspace ${workspace}; Ctrl+C stops code-server)`);
  const stop = () => void server.stop().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`demo:vscode: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

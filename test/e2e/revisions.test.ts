/**
 * End to end in a real VS Code (code-server + headless Chromium): the Revisions view of a multi-root workspace with
 * a Knex folder (`api`, the demo's migrations, environments development and production) and an Alembic folder
 * (`py`, a merge of two branches, the database at one of them). Both roots show, labelled by folder, environment,
 * runner and database; the Alembic graph marks the merge, the branch point, the current revision and what is
 * pending. "Select Environment" switches `api` to production: its root and the environment's status-bar entry
 * turn red from then on. Then: a pending migration's inline actions and Copy CLI Command; the view refreshing after
 * a migration file edit; an error root (a knexfile that needs a missing module) and its Retry once the module is there.
 *
 * Needs dist/migration-guard.vsix (packaged here when missing or older than the bundles, as upgrade.test.ts does)
 * and the environment of install-e2e-env.sh. Screenshots: test-results/e2e/revisions/NN-name.png; on failure also
 * 99-failure.png and the logs there. MG_E2E_KEEP=1 keeps the run folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type TestContext } from 'node:test';
import sqlite3 from 'sqlite3';
import { CodeServer, e2eEnvironment } from './codeServer';
import { packagedExtension } from './package';
import { scenario } from './scenario';
import { Workbench, type TreeRowPattern } from './workbench';

const root = path.resolve(import.meta.dirname, '..', '..');
const resultsDir = path.join(root, 'test-results', 'e2e', 'revisions');
const extensionId = 'migration-guard.migration-guard';
const container = 'migrationGuard';

const started = Date.now();
const log = (line: string) => console.log(`[e2e revisions ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

/** Runs statements on a SQLite file (created when missing). */
function exec(file: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (openError) => {
      if (openError) return reject(openError);
      db.exec(sql, (error) => db.close(() => (error ? reject(error) : resolve())));
    });
  });
}

/** The multi-root workspace: `api` (Knex, two environments) and `py` (Alembic, a merge, the database at 2b0002). */
async function writeWorkspace(dir: string): Promise<string> {
  const api = path.join(dir, 'api');
  fs.mkdirSync(api, { recursive: true });
  fs.cpSync(path.join(root, 'examples', 'demo', 'migrations'), path.join(api, 'migrations'), { recursive: true });
  fs.writeFileSync(
    path.join(api, 'knexfile.js'),
    `module.exports = {
  development: { client: 'sqlite3', connection: { filename: './dev.sqlite3' }, useNullAsDefault: true, migrations: { directory: './migrations' } },
  production: { client: 'sqlite3', connection: { filename: './prod.sqlite3' }, useNullAsDefault: true, migrations: { directory: './migrations' } },
};
`,
  );
  const py = path.join(dir, 'py');
  fs.mkdirSync(path.join(py, 'alembic', 'versions'), { recursive: true });
  fs.cpSync(path.join(root, 'test', 'fixtures', 'alembic', 'merge', 'versions'), path.join(py, 'alembic', 'versions'), { recursive: true });
  fs.writeFileSync(path.join(py, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = sqlite:///app.db\n');
  await exec(path.join(py, 'app.db'), "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('2b0002');");
  const workspace = path.join(dir, 'mg.code-workspace');
  fs.writeFileSync(workspace, JSON.stringify({ folders: [{ path: 'api' }, { path: 'py' }] }, null, 2));
  return workspace;
}

const migrations = fs.readdirSync(path.join(root, 'examples', 'demo', 'migrations')).filter((f) => f.endsWith('.js')).sort();
/** `20240105090000_create_users.js` → label `create_users`, description `pending · 20240105090000` (as model.ts shortName). */
const pendingRow = (file: string): TreeRowPattern => {
  const m = /^(\d+)_(.+)\.js$/.exec(file)!;
  return { label: m[2]!, description: `pending · ${m[1]}` };
};
const alembicRows: TreeRowPattern[] = [
  { label: 'py', description: 'alembic · sqlite:///app.db' },
  { label: 'merge feature a and b', description: '2b0004 · head · merge of 2b0002 + 2b0003 · pending' },
  { label: 'feature a', description: '2b0002 · current' },
  { label: 'feature b', description: '2b0003 · pending' },
  { label: 'base', description: '2b0001 · branch point · applied' },
];
const rows = (environment: string, database: string): TreeRowPattern[] => [
  { label: `api · ${environment}`, description: `knex · sqlite3 ${database}` },
  { label: 'Pending', description: '6 migrations' },
  ...migrations.map(pendingRow),
  ...alembicRows,
];

test('Revisions view: multi-root Knex + Alembic roots, the graph, and Select Environment to a protected environment', { timeout: 420_000 }, async (t: TestContext) => {
  const env = e2eEnvironment();
  const vsix = packagedExtension(root, log);
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-e2e-revisions-'));
  log(`run folder ${runDir}`);

  const server = new CodeServer({ env, runDir });
  let wb!: Workbench;
  const { step, finish } = scenario(t, { server, runDir, resultsDir, root, log, workbench: () => wb });

  await step('multi-root workspace (Knex api, Alembic py) in code-server with the packaged extension', async () => {
    const workspace = await writeWorkspace(path.join(runDir, 'ws'));
    const installed = await server.installExtension(vsix, extensionId);
    log(`installed ${path.basename(installed)} from ${vsix}`);
    await server.start();
    log(`code-server healthy at ${server.url}`);
    wb = await Workbench.launch({ toolsDir: env.tools, chromium: env.chromium, profileDir: path.join(runDir, 'chromium-profile'), screenshotsDir: resultsDir, log });
    await wb.openWorkspace(server.url, workspace);
  });

  await step('both roots: api (Knex, development) with its pending batch, py (Alembic) with the merge, branch point and current revision', async () => {
    await wb.openViewContainer('Migration Guard', container);
    await wb.resizeSideBar(560);
    const shown = await wb.waitForTreeRows(container, rows('development', 'dev.sqlite3'), 90_000);
    log(`Revisions: ${shown.map((r) => `${r.label} (${r.description})`).join(', ')}`);
    const current = await wb.treeRowColors(container, 'feature a', 'errorForeground');
    assert.match(current.iconClasses, /codicon-target/, 'the current revision has the target icon');
    const merge = await wb.treeRowColors(container, 'merge feature a and b', 'errorForeground');
    assert.match(merge.iconClasses, /codicon-git-merge/, 'the merge has the merge icon');
    const dev = await wb.treeRowColors(container, 'api · development', 'errorForeground');
    assert.notEqual(dev.labelColor, dev.themeColor, 'development is not drawn in red');
    const status = await wb.statusBarEntry('development', 'statusBarItem-errorBackground');
    assert.notEqual(status.background, status.themeColor, 'the environment entry is not red for development');
    await wb.screenshot('revisions-multi-root');
  });

  await step('Select Environment lists the knexfile environments, production marked protected; picking it turns the root and status bar red', async () => {
    await wb.runCommand('Migration Guard: Select Environment');
    const row = await wb.pickQuickItem('Select Environment (api)', 'production');
    log(`picked: ${row}`);
    assert.match(row, /protected/, 'the picker says production is protected');
    const shown = await wb.waitForTreeRows(container, rows('production', 'prod.sqlite3'), 90_000);
    log(`Revisions: ${shown[0]?.label} (${shown[0]?.description})`);
    await wb.parkMouse();
    // The decoration arrives with the row; wait for it rather than reading once.
    await wb.page.waitForFunction(
      `(() => {
        const row = Array.from(document.querySelectorAll('[id="workbench.view.extension.${container}"] .monaco-list-row')).find((r) => (r.querySelector('.label-name')?.textContent ?? '').trim() === 'api · production');
        const probe = document.createElement('span');
        probe.style.color = 'var(--vscode-errorForeground)';
        (document.querySelector('.monaco-workbench') ?? document.body).appendChild(probe); // the theme's variables are set on the workbench
        const red = getComputedStyle(probe).color;
        probe.remove();
        return !!row && getComputedStyle(row.querySelector('.label-name')).color === red;
      })()`,
      undefined,
      { timeout: 30_000, polling: 200 },
    );
    const prod = await wb.treeRowColors(container, 'api · production', 'errorForeground');
    log(`root label color ${prod.labelColor} (errorForeground ${prod.themeColor}), icon ${prod.iconClasses}`);
    assert.equal(prod.labelColor, prod.themeColor, 'the protected root label is red');
    assert.match(prod.iconClasses, /codicon-warning/);
    const status = await wb.statusBarEntry('production', 'statusBarItem-errorBackground');
    log(`status bar: ${status.text} background ${status.background} (errorBackground ${status.themeColor})`);
    assert.equal(status.background, status.themeColor, 'the environment entry has the error background');
    const settings = JSON.parse(fs.readFileSync(path.join(runDir, 'ws', 'api', '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['migrationGuard.environment'], 'production', "written to the api folder's settings");
    await wb.screenshot('revisions-production');
  });

  const api = () => path.join(runDir, 'ws', 'api');
  const [first] = migrations;
  const firstParts = /^(\d+)_(.+)\.js$/.exec(first!)!;

  await step("a pending migration's inline actions are Open, Preview and Upgrade to Here; Copy CLI Command gives the CLI line for its project and environment", async () => {
    const inline = await wb.treeRowInlineActions(container, firstParts[2]!);
    log(`inline actions of ${firstParts[2]}: ${JSON.stringify(inline)}`);
    assert.deepEqual(inline, ['Open Migration', 'Preview Pending SQL (Dry Run)', 'Upgrade to Here']);
    await wb.screenshot('revisions-inline-actions');
    await wb.treeContextMenu(container, firstParts[2]!, 'Copy CLI Command');
    const toast = await wb.waitForToast(/copied/, 30_000);
    log(`toast: ${toast}`);
    assert.ok(toast.includes(`migration-guard upgrade --to ${first} --env production`), toast);
    await wb.page.keyboard.press('Escape');
  });

  // After the CLI applied the first migration (outside the editor), an edit of its file shows "edited after it ran":
  // only a read after the edit can know both.
  await step('the view refreshes after a migration file edit', async () => {
    const cli = path.join(root, 'dist', 'cli.js');
    const up = spawnSync(process.execPath, [cli, 'upgrade', '--to', first!, '--yes', '--no-backup', '--env', 'production', '--confirm', 'prod.sqlite3', '--cwd', api()], { encoding: 'utf8', env: { ...process.env, NODE_ENV: '' } });
    assert.equal(up.status, 0, up.stdout + up.stderr);
    fs.appendFileSync(path.join(api(), 'migrations', first!), '// edited after it ran\n');
    const edited: TreeRowPattern[] = [{ label: 'api · production', description: 'knex · sqlite3 prod.sqlite3' }, ...expectedAfterEdit()];
    const shown = await wb.waitForTreeRows(container, edited, 90_000);
    log(`Revisions: ${shown.slice(0, 9).map((r) => `${r.label} (${r.description})`).join(', ')}`);
    await wb.parkMouse();
    await wb.screenshot('revisions-after-edit');
  });

  // The knexfile now needs a module that is not there: an error root. The module then appears where no watcher
  // looks (config/), so only Retry reads again.
  await step("an error root's Retry after the knexfile is fixed", async () => {
    const original = fs.readFileSync(path.join(api(), 'knexfile.js'), 'utf8');
    fs.writeFileSync(path.join(api(), 'knexfile.js'), "module.exports = require('./config/database.js');\n");
    const errorRows: TreeRowPattern[] = [
      { label: 'api', description: 'knex · error' },
      { label: /^Failed to load knexfile .*knexfile\.js: Cannot find module '\.\/config\/database\.js'$/, description: /^Fix the knexfile, or point the setting migrationGuard\.knexfile at another one\.$/ },
      { label: 'Retry', description: '' },
      { label: 'Show Output', description: '' },
      ...alembicRows,
    ];
    await wb.waitForTreeRows(container, errorRows, 90_000);
    await wb.parkMouse();
    await wb.screenshot('revisions-error-root');
    fs.mkdirSync(path.join(api(), 'config'), { recursive: true });
    fs.writeFileSync(path.join(api(), 'config', 'database.js'), original);
    const still = await wb.treeRows(container);
    assert.equal(still[0]?.description, 'knex · error', 'nothing but Retry reads the fixed knexfile');
    await wb.clickTreeRow(container, 'Retry');
    const back = await wb.waitForTreeRows(container, [{ label: 'api · production', description: 'knex · sqlite3 prod.sqlite3' }, ...expectedAfterEdit()], 90_000);
    log(`after Retry: ${back[0]?.label} (${back[0]?.description})`);
    await wb.parkMouse();
    await wb.screenshot('revisions-after-retry');
  });

  // A database that accepts connections and never answers: the read shows a notification with Cancel after 2 s;
  // Cancel leaves an error root naming the setting; with migrationGuard.connectTimeout 2 the wait ends by itself.
  await step('a database that does not answer: Cancel in the progress notification, then the connect timeout in words with the setting to change', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      fs.writeFileSync(path.join(api(), 'knexfile.js'), `module.exports = { production: { client: 'pg', connection: 'postgres://app:Quiet@127.0.0.1:${port}/app', migrations: { directory: './migrations' } } };\n`);
      const progress = await wb.waitForToast(/reading the migrations of api/, 60_000);
      log(`progress: ${progress}`);
      await wb.screenshot('revisions-slow-read');
      await wb.clickToastButton(/reading the migrations of api/, 'Cancel');
      const cancelled: TreeRowPattern[] = [
        { label: 'api', description: 'knex · error' },
        { label: 'Cancelled while reading the migrations of api: the state is unknown.', description: /^Reading the state was cancelled\. Retry reads it again; .*setting migrationGuard\.connectTimeout/ },
        { label: 'Retry', description: '' },
        { label: 'Show Output', description: '' },
        ...alembicRows,
      ];
      await wb.waitForTreeRows(container, cancelled, 30_000);
      await wb.parkMouse();
      await wb.screenshot('revisions-cancelled');

      const settingsFile = path.join(api(), '.vscode', 'settings.json');
      const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'migrationGuard.connectTimeout': 2 }, null, 2));
      const timedOut: TreeRowPattern[] = [
        { label: 'api', description: 'knex · error' },
        { label: `The database at postgres://app:****@127.0.0.1:${port}/app did not answer within 2 s.`, description: /setting migrationGuard\.connectTimeout \(seconds\)\.$/ },
        { label: 'Retry', description: '' },
        { label: 'Show Output', description: '' },
        ...alembicRows,
      ];
      await wb.waitForTreeRows(container, timedOut, 60_000);
      await wb.parkMouse();
      await wb.screenshot('revisions-connect-timeout');
      assert.ok(!(await wb.treeRows(container)).some((r) => r.label.includes('Quiet') || r.description.includes('Quiet')), 'no password in the view');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  /** The rows below the api root once the state is read again (as after the edit). */
  function expectedAfterEdit(): TreeRowPattern[] {
    return [
      { label: 'Pending', description: '5 migrations' },
      ...migrations.slice(1).map(pendingRow),
      { label: 'Batch 1', description: /^1 migration · (just now|\d+ minutes? ago)$/ },
      { label: firstParts[2]!, description: new RegExp(`^edited after it ran (just now|\\d+ minutes? ago) · current · ${firstParts[1]}$`) },
      ...alembicRows,
    ];
  }

  finish();
});

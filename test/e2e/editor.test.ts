/**
 * End to end in a real VS Code (code-server + headless Chromium), the editor pieces of issue 16 as a person meets them
 * in the demo workspace: CodeLens above a pending and an applied migration, badges in the Explorer (pending, and
 * pending with an error finding), and the database file guard: deleting dev.sqlite3 warns at once, names the latest
 * backup's time and size, and "Restore Latest Backup" restores it through the Restore command's confirmation. Then
 * Validate (issue 15) on the database changed by hand: its report opens as a read-only document grouped by table, the
 * Revisions view's project root shows "drift: 2", and a Validate from the root's context menu after the change is
 * undone says valid and clears the badge.
 *
 * The database starts with the first three migrations applied and one backup taken (with the CLI, before the window
 * opens). Needs what upgrade.test.ts needs (dist/migration-guard.vsix, the install-e2e-env.sh environment).
 * Screenshots: test-results/e2e-editor/NN-name.png; on failure also 99-failure.png and the logs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type TestContext } from 'node:test';
import type { BackupResult, UpgradeResult } from '../../server/src/protocol';
import { CodeServer, e2eEnvironment } from './codeServer';
import { cli, copyDemo, exec, extensionId, packagedExtension, query, root } from './demo';
import { scenario } from './scenario';
import { Workbench, type TreeRowPattern } from './workbench';

const resultsDir = path.join(root, 'test-results', 'e2e-editor');
const pendingDrop = '20240515170000_drop_legacy_sessions.js';
const pendingIndex = '20240402093000_index_orders_status.js';
const lastApplied = '20240203101000_create_legacy_sessions.js';
const container = 'migrationGuard';

const started = Date.now();
const log = (line: string) => console.log(`[e2e-editor ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

test('Migration Guard in VS Code: CodeLens, Explorer badges, database file guard', { timeout: 600_000 }, async (t: TestContext) => {
  const env = e2eEnvironment();
  const vsix = packagedExtension(log);
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-e2e-editor-'));
  const workspace = path.join(runDir, 'demo');
  const database = path.join(workspace, 'dev.sqlite3');
  log(`run folder ${runDir}`);

  const server = new CodeServer({ env, runDir });
  let wb!: Workbench;
  const { step, finish } = scenario(t, { server, runDir, resultsDir, root, log, workbench: () => wb });

  let backupName = '';
  await step('demo database with three migrations applied and one backup; code-server with the packaged extension', async () => {
    copyDemo(workspace);
    const applied = cli<UpgradeResult>(workspace, ['upgrade', '--to', lastApplied, '--yes']);
    assert.equal(applied.applied.length, 3);
    const { backup } = cli<BackupResult>(workspace, ['backup']);
    backupName = path.basename(backup.path).replace(/\.sqlite3$/, '');
    log(`applied ${applied.applied.join(', ')}; backup ${backupName} (${backup.bytes} bytes)`);
    await server.installExtension(vsix, extensionId);
    await server.start();
    log(`code-server healthy at ${server.url}`);
    wb = await Workbench.launch({ toolsDir: env.tools, chromium: env.chromium, profileDir: path.join(runDir, 'chromium-profile'), screenshotsDir: resultsDir, log });
    await wb.openFolder(server.url, workspace);
  });

  await step('CodeLens on a pending migration: Pending · Upgrade to here · Preview', async () => {
    await wb.quickOpen(pendingDrop);
    const line = await wb.waitForCodeLens(['Pending', 'Upgrade to here', 'Preview']);
    log(`CodeLens: ${line}`);
    assert.doesNotMatch(line, /Applied/);
    await wb.screenshot('codelens-pending');
  });

  await step('CodeLens on the last applied migration: Applied · batch 1 · <when> · current', async () => {
    await wb.quickOpen(lastApplied);
    const line = await wb.waitForCodeLens([/Applied · batch 1 · (just now|\d+ minutes? ago) · current/]);
    log(`CodeLens: ${line}`);
    await wb.screenshot('codelens-applied');
  });

  await step('Explorer badges: P on a pending migration, P! on the pending one with an error finding', async () => {
    // The Explorer reveals the active editor's file, so the migrations folder is expanded.
    await wb.page.keyboard.press('Control+Shift+E');
    await wb.resizeSideBar(460);
    const plain = await wb.waitForExplorerBadge(pendingIndex, 'P');
    const withError = await wb.waitForExplorerBadge(pendingDrop, 'P!');
    log(`badges: ${pendingIndex} ${JSON.stringify(plain)}, ${pendingDrop} ${JSON.stringify(withError)}`);
    // Read after the pending badges are drawn: they come from the same status read.
    assert.deepEqual(await wb.explorerBadges(lastApplied), [], 'an applied migration has no badge');
    await wb.screenshot('explorer-badges');
  });

  await step('deleting dev.sqlite3 warns at once, naming the latest backup, its time and size', async () => {
    fs.rmSync(database);
    const toast = await wb.waitForToast(/the database dev\.sqlite3 was deleted/, 30_000);
    log(`toast: ${toast}`);
    assert.match(toast, new RegExp(`Latest backup: ${backupName}, taken (just now|\\d+ minutes? ago) \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\), \\d+(\\.\\d)? KiB\\.`));
    assert.match(toast, /Restore Latest Backup/);
    assert.match(toast, /Show Backups/);
    await wb.screenshot('database-deleted-warning');
  });

  await step('Restore Latest Backup restores it after the Restore confirmation', async () => {
    await wb.clickToastButton(/was deleted/, 'Restore Latest Backup');
    const dialog = await wb.waitForDialog();
    log(`dialog: ${dialog.message} | buttons ${JSON.stringify(dialog.buttons)}`);
    assert.equal(dialog.message, `Replace the database with ${backupName}?`);
    assert.match(dialog.detail, /KiB\./);
    await wb.screenshot('restore-dialog');
    await wb.clickDialogButton('Restore');
    const toast = await wb.waitForToast(new RegExp(`Migration Guard: restored ${backupName}\\.`));
    log(`toast: ${toast}`);
    const rows = await query<{ name: string }>(database, 'SELECT name FROM knex_migrations ORDER BY id');
    assert.equal(rows.length, 3, 'the three migrations of the backup are recorded again');
    await wb.quickOpen(pendingDrop);
    await wb.waitForCodeLens(['Pending', 'Upgrade to here']);
    await wb.screenshot('restored');
  });

  // The Revisions view after the restore: three pending, three applied in batch 1 (when: relative, it moves on).
  const migrations = fs.readdirSync(path.join(workspace, 'migrations')).filter((f) => f.endsWith('.js')).sort();
  const parts = (file: string) => /^(\d+)_(.+)\.js$/.exec(file) as RegExpExecArray;
  const recent = '(just now|\\d+ minutes? ago)';
  const viewRows = (rootDescription: string): TreeRowPattern[] => [
    { label: 'demo · development', description: rootDescription },
    { label: 'Pending', description: '3 migrations' },
    ...migrations.slice(3).map((f) => ({ label: parts(f)[2] as string, description: `pending · ${parts(f)[1]}` })),
    { label: 'Batch 1', description: new RegExp(`^3 migrations · ${recent}$`) },
    ...migrations.slice(0, 3).reverse().map((f, i) => ({ label: parts(f)[2] as string, description: new RegExp(`^applied ${recent}${i === 0 ? ' · current' : ''} · ${parts(f)[1]}$`) })),
  ];

  await step('Validate on a database changed by hand: a read-only report grouped by table, and "drift: 2" on the project root', async () => {
    await wb.openViewContainer('Migration Guard', container);
    await wb.resizeSideBar(560);
    // Never validated in this window: the root says nothing about drift (the view does not run Validate itself).
    await wb.waitForTreeRows(container, viewRows('knex · sqlite3 dev.sqlite3'));
    // The SQLite "add it by hand" habit: a column and a table no migration creates.
    await exec(database, 'ALTER TABLE users ADD COLUMN nickname text; CREATE TABLE audit (id integer);');
    await wb.runCommand('Migration Guard: Validate');
    const report = await wb.waitForEditorText(/# Migration Guard: Validate[\s\S]*### `users`/, 120_000);
    log(`report:\n${report.replace(/^/gm, '    ')}`);
    assert.match(report, /- Environment: development/);
    assert.match(report, new RegExp(`- Database: sqlite3 ${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(report, /\*\*Invalid: 0 problems, 2 schema drift items\.\*\*/);
    assert.ok(report.indexOf('### `audit`') < report.indexOf('### `users`'), 'one heading per table, sorted');
    assert.match(report, /extra-column\*\* column `nickname`: Column users\.nickname/);
    assert.match(report, /What to do: /);
    await wb.waitForTreeRows(container, viewRows('knex · sqlite3 dev.sqlite3 · drift: 2'));
    await wb.screenshot('validate-drift');
  });

  await step('Validate from the root\'s context menu after the drift is undone: the report says valid, the badge is gone', async () => {
    await exec(database, 'ALTER TABLE users DROP COLUMN nickname; DROP TABLE audit;');
    await wb.treeContextMenu(container, 'demo · development', 'Validate');
    const report = await wb.waitForEditorText(/\*\*Valid: no problems, no schema drift\.\*\*/, 120_000);
    assert.match(report, /## Schema drift\s+None: the live schema is the one the applied migrations build\./);
    await wb.waitForTreeRows(container, viewRows('knex · sqlite3 dev.sqlite3'));
    await wb.screenshot('validate-clean');
  });

  finish();
});

/**
 * End to end in a real VS Code (code-server + headless Chromium): the packaged extension lints the
 * demo workspace's migrations, lists them in the Revisions view, and "Migration Guard: Upgrade"
 * asks for consent in a modal (the history drops a table), backs the SQLite database up, applies the
 * six migrations in one batch and updates the view.
 *
 * Needs dist/migration-guard.vsix (npm test builds and packages it; run directly, it is packaged here
 * when missing or older than the bundles) and the environment of install-e2e-env.sh.
 * Screenshots: test-results/e2e/NN-name.png; on failure also 99-failure.png and the logs.
 * MG_E2E_VSIX=<file> tests that .vsix instead. MG_E2E_KEEP=1 keeps the run folder (workspace copy, user data, logs) for inspection.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type TestContext } from 'node:test';
import { CodeServer, e2eEnvironment } from './codeServer';
import { copyDemo, demoDir, exec, extensionId, packagedExtension, query, root } from './demo';
import { scenario } from './scenario';
import { Workbench, type TreeRowPattern } from './workbench';

const resultsDir = path.join(root, 'test-results', 'e2e');
const container = 'migrationGuard';
const dropMigration = '20240515170000_drop_legacy_sessions.js';

const started = Date.now();
const log = (line: string) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

test('Migration Guard in VS Code: lint, Revisions view, modal-confirmed upgrade with backup', { timeout: 300_000 }, async (t: TestContext) => {
  const env = e2eEnvironment();
  const vsix = packagedExtension(log);
  // Only this test's files: other end-to-end tests keep theirs in subfolders (revisions/).
  fs.mkdirSync(resultsDir, { recursive: true });
  for (const f of fs.readdirSync(resultsDir, { withFileTypes: true })) if (f.isFile()) fs.rmSync(path.join(resultsDir, f.name));
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-e2e-'));
  const workspace = path.join(runDir, 'demo');
  const database = path.join(workspace, 'dev.sqlite3');
  log(`run folder ${runDir}`);

  const server = new CodeServer({ env, runDir });
  // Set by the first step; later steps are skipped when it fails, and the after hook copes with it unset.
  let wb!: Workbench;
  const { step, finish } = scenario(t, { server, runDir, resultsDir, root, log, workbench: () => wb });

  await step('fresh workspace copy and code-server with the packaged extension', async () => {
    copyDemo(workspace);
    // The developer's database already exists, with data of its own: the engine backs up an existing
    // SQLite file before it writes (a file that does not exist yet needs no backup, and gets none).
    await exec(database, "CREATE TABLE app_notes (note TEXT NOT NULL); INSERT INTO app_notes VALUES ('written before the upgrade');");
    const installed = await server.installExtension(vsix, extensionId);
    log(`installed ${path.basename(installed)} from ${vsix}`);
    await server.start();
    log(`code-server healthy at ${server.url}`);
    wb = await Workbench.launch({
      toolsDir: env.tools,
      chromium: env.chromium,
      profileDir: path.join(runDir, 'chromium-profile'),
      screenshotsDir: resultsDir,
      log,
    });
    await wb.openFolder(server.url, workspace);
    await wb.screenshot('workbench');
  });

  await step(`lint: ${dropMigration} gets an error squiggle and a ban-drop-table problem`, async () => {
    await wb.quickOpen(dropMigration);
    await wb.waitForSquiggle('error');
    await wb.screenshot('squiggle');
    const problem = await wb.waitForProblem('ban-drop-table');
    log(`Problems row: ${problem}`);
    assert.match(problem, /migration-guard\s*\(?ban-drop-table\)?/, 'source migration-guard, code ban-drop-table');
    assert.match(problem, /legacy_sessions/);
    assert.match(problem, /\[Ln 7, Col 10\]/, 'on the dropTable call in up()');
    await wb.screenshot('problems');
  });

  const migrations = fs.readdirSync(path.join(demoDir, 'migrations')).filter((f) => f.endsWith('.js')).sort();
  // One root for the project (folder · environment, runner and database), then the groups as the engine makes them
  // (status --json): "Pending" first in run order, then one group per batch, newest first, a batch's most recently
  // applied first (as `history`); the last applied is marked current. A migration shows its short name; its state,
  // when it was applied (relative: it moves on), and its timestamp prefix are the description.
  const rootRow: TreeRowPattern = { label: 'demo · development', description: 'knex · sqlite3 dev.sqlite3' };
  const parts = (file: string) => /^(\d+)_(.+)\.js$/.exec(file) as RegExpExecArray;
  const shortLabel = (file: string) => parts(file)[2] as string;
  const recent = '(just now|\\d+ minutes? ago)';
  const pendingRow = (file: string): TreeRowPattern => ({ label: shortLabel(file), description: `pending · ${parts(file)[1]}` });
  const appliedRow = (file: string, current: boolean): TreeRowPattern => ({
    label: shortLabel(file),
    description: new RegExp(`^applied ${recent}${current ? ' · current' : ''} · ${parts(file)[1]}$`),
  });
  const batchRow = (n: number): TreeRowPattern => ({ label: 'Batch 1', description: new RegExp(`^${n} migrations? · ${recent}$`) });
  const pendingRows = (): TreeRowPattern[] => [rootRow, { label: 'Pending', description: '6 migrations' }, ...migrations.map(pendingRow)];
  const appliedRows = (): TreeRowPattern[] => [rootRow, batchRow(6), ...[...migrations].reverse().map((file, i) => appliedRow(file, i === 0))];

  await step('Revisions view lists the 6 migrations as pending', async () => {
    assert.equal(migrations.length, 6);
    await wb.openViewContainer('Migration Guard', container);
    await wb.resizeSideBar(560);
    const shown = await wb.waitForTreeRows(container, pendingRows());
    log(`Revisions: ${shown.map((r) => `${r.label} (${r.description})`).join(', ')}`);
    await wb.screenshot('revisions-pending');
  });

  await step('Upgrade asks in a modal that names the dropped table; "Upgrade Anyway"', async () => {
    await wb.runCommand('Migration Guard: Upgrade', async () => void (await wb.screenshot('command-palette')));
    const dialog = await wb.waitForDialog();
    log(`dialog: ${dialog.message} | buttons ${JSON.stringify(dialog.buttons)}\n${dialog.detail.replace(/^/gm, '    ')}`);
    await wb.screenshot('upgrade-dialog');
    // The title names the database and the environment (issue 16).
    assert.match(dialog.message, /^Upgrade dev\.sqlite3 \(development\)\? Unsafe: 1 finding of error severity\. 6 pending migrations\. Apply anyway\?$/);
    assert.match(dialog.detail, /ban-drop-table/);
    assert.match(dialog.detail, new RegExp(dropMigration.replace('.', '\\.')));
    assert.match(dialog.detail, /legacy_sessions/);
    assert.match(dialog.detail, /A backup is taken before anything is applied\./, 'the database exists, so the plan promises a backup');
    assert.ok(dialog.buttons.includes('Upgrade Anyway'), `buttons: ${JSON.stringify(dialog.buttons)}`);
    // Enter presses the focused (default) button: the harmless Preview SQL, never the upgrade.
    assert.equal(await wb.focusedDialogButton(), 'Preview SQL');
    await wb.clickDialogButton('Upgrade Anyway');
  });

  await step('upgrade applies all 6 in batch 1, with a backup, in the view and on disk', async () => {
    const toast = await wb.waitForToast(/Migration Guard: applied 6 migrations \(batch 1\)\. Backup: backup_/);
    log(`toast: ${toast}`);
    await wb.screenshot('upgrade-toast');
    await wb.waitForTreeRows(container, appliedRows());
    await wb.screenshot('revisions-applied');

    const backupsDir = path.join(workspace, '.migration-guard', 'backups');
    const backups = fs.existsSync(backupsDir) ? fs.readdirSync(backupsDir).filter((f) => /^backup_.*\.sqlite3$/.test(f)) : [];
    assert.equal(backups.length, 1, `one backup_*.sqlite3 in ${backupsDir}, found ${JSON.stringify(backups)}`);
    assert.ok(toast.includes(`Backup: ${backups[0]}`), `the toast names the backup file ${backups[0]}`);
    // The backup is the database as it was before the upgrade: the existing data, no migration applied.
    const backup = path.join(backupsDir, backups[0]);
    assert.deepEqual(await query(backup, 'SELECT note FROM app_notes'), [{ note: 'written before the upgrade' }]);
    assert.deepEqual(await query(backup, "SELECT name FROM sqlite_master WHERE name IN ('knex_migrations', 'users')"), []);
    // The database: the six migrations recorded in batch 1, their effect visible, the existing data kept.
    const applied = await query<{ name: string; batch: number }>(database, 'SELECT name, batch FROM knex_migrations ORDER BY id');
    assert.deepEqual(applied, migrations.map((name) => ({ name, batch: 1 })));
    const tables = await query<{ name: string }>(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'orders', 'legacy_sessions') ORDER BY name");
    assert.deepEqual(tables.map((t) => t.name), ['orders', 'users'], 'users and orders created, legacy_sessions created and dropped again');
    assert.deepEqual(await query(database, 'SELECT note FROM app_notes'), [{ note: 'written before the upgrade' }]);
  });

  const dropMigrationName = migrations[migrations.length - 1];
  // After the downgrade: the drop migration pending again, the other five applied.
  const downgradedRows = (): TreeRowPattern[] => [
    rootRow,
    { label: 'Pending', description: '1 migration' },
    pendingRow(dropMigrationName as string),
    batchRow(5),
    ...migrations.slice(0, 5).reverse().map((file, i) => appliedRow(file, i === 0)),
  ];
  await step('Downgrade undoes the most recently applied migration after a confirmation and a backup', async () => {
    await wb.runCommand('Migration Guard: Downgrade (Undo Last Migration)');
    const dialog = await wb.waitForDialog();
    log(`dialog: ${dialog.message} | buttons ${JSON.stringify(dialog.buttons)}`);
    await wb.screenshot('downgrade-dialog');
    assert.equal(dialog.message, 'Downgrade dev.sqlite3 (development): undo 1 migration?');
    assert.match(dialog.detail, new RegExp(dropMigrationName.replace('.', '\\.')));
    // What its down() brings back and drops, from the engine's preview (issue 16).
    assert.match(dialog.detail, /brings back: table legacy_sessions\n\s*drops: no table or column/);
    await wb.clickDialogButton('Downgrade');
    const toast = await wb.waitForToast(/Migration Guard: undid 1 migration\. Backup: backup_/);
    log(`toast: ${toast}`);
    await wb.waitForTreeRows(container, downgradedRows());
    await wb.screenshot('revisions-after-downgrade');
    const applied = await query<{ name: string }>(database, 'SELECT name FROM knex_migrations ORDER BY id');
    assert.deepEqual(applied.map((r) => r.name), migrations.slice(0, 5));
    const tables = await query<{ name: string }>(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'legacy_sessions'");
    assert.equal(tables.length, 1, "the drop migration's down() recreated legacy_sessions");
    const backups = fs.readdirSync(path.join(workspace, '.migration-guard', 'backups')).filter((f) => /^backup_.*\.sqlite3$/.test(f));
    assert.equal(backups.length, 2, `a second backup before the downgrade: ${JSON.stringify(backups)}`);
  });

  await step('Preview shows the pending SQL, captured in a rolled-back transaction', async () => {
    await wb.runCommand('Migration Guard: Preview Pending SQL (Dry Run)');
    const text = await wb.waitForEditorText(/Migration Guard preview/);
    await wb.screenshot('preview');
    assert.match(text, /drop table [`"]?legacy_sessions/i, text);
    assert.match(text, new RegExp(dropMigrationName.replace('.', '\\.')));
    const tables = await query<{ name: string }>(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'legacy_sessions'");
    assert.equal(tables.length, 1, 'the preview rolled back: legacy_sessions still exists');
    const applied = await query<{ name: string }>(database, 'SELECT name FROM knex_migrations ORDER BY id');
    assert.equal(applied.length, 5, 'the preview recorded nothing');
  });

  await step('Unlock frees a lock left behind by a crashed run, after a confirmation', async () => {
    // What a process killed mid-upgrade leaves: Knex's lock row taken, no migration running.
    await exec(database, 'UPDATE knex_migrations_lock SET is_locked = 1');
    await wb.runCommand('Migration Guard: Refresh');
    const [root, ...groups] = downgradedRows();
    const rows = await wb.waitForTreeRows(container, [
      root as TreeRowPattern,
      { label: 'The migrations lock is held', description: 'Another upgrade may be running, or one crashed.' },
      ...groups,
    ]);
    log(`Revisions: ${rows[1]?.label}`);
    await wb.screenshot('revisions-lock-held');
    await wb.runCommand('Migration Guard: Unlock');
    const dialog = await wb.waitForDialog();
    log(`dialog: ${dialog.message} | buttons ${JSON.stringify(dialog.buttons)}`);
    assert.equal(dialog.message, 'Free the migration lock?');
    assert.match(dialog.detail, /checks the database for a running migration first/);
    await wb.clickDialogButton('Unlock');
    const toast = await wb.waitForToast('Migration Guard: the lock is free again.');
    log(`toast: ${toast}`);
    assert.deepEqual(await query(database, 'SELECT is_locked FROM knex_migrations_lock'), [{ is_locked: 0 }]);
    await wb.waitForTreeRows(container, downgradedRows());
    const applied = await query<{ name: string }>(database, 'SELECT name FROM knex_migrations ORDER BY id');
    assert.deepEqual(applied.map((r) => r.name), migrations.slice(0, 5), 'unlock changes nothing else');
  });

  await step('Restore Backup… brings back the database as it was before the upgrade, saving the current one first', async () => {
    const backupsDir = path.join(workspace, '.migration-guard', 'backups');
    const before = fs.readdirSync(backupsDir).filter((f) => /^backup_.*\.sqlite3$/.test(f)).sort();
    assert.equal(before.length, 2, `the upgrade's and the downgrade's backups: ${JSON.stringify(before)}`);
    // The oldest: taken before the upgrade, when the database held only the developer's own data.
    const preUpgrade = (before[0] as string).replace(/\.sqlite3$/, '');
    await wb.runCommand('Migration Guard: Restore Backup…');
    const row = await wb.pickQuickItem('restore which backup?', preUpgrade);
    log(`picked: ${row}`);
    assert.match(row, /pre-upgrade/, 'the quick pick says why the backup was taken');
    assert.match(row, /0 applied migrations/, 'and that it has no migration applied');
    const dialog = await wb.waitForDialog();
    log(`dialog: ${dialog.message} | buttons ${JSON.stringify(dialog.buttons)}`);
    await wb.screenshot('restore-dialog');
    assert.equal(dialog.message, `Replace the database with ${preUpgrade}?`);
    assert.match(dialog.detail, /current database is backed up before it is replaced/);
    await wb.clickDialogButton('Restore');
    const toast = await wb.waitForToast(new RegExp(`Migration Guard: restored ${preUpgrade}\\. The previous database was saved as backup_`));
    log(`toast: ${toast}`);
    await wb.waitForTreeRows(container, pendingRows());
    await wb.screenshot('revisions-after-restore');

    // The database: exactly the pre-upgrade content (the developer's row, no migration, no migrated table).
    assert.deepEqual(await query(database, 'SELECT note FROM app_notes'), [{ note: 'written before the upgrade' }]);
    const tables = await query<{ name: string }>(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('knex_migrations', 'users', 'orders', 'legacy_sessions')");
    assert.deepEqual(tables, [], `no migrated table left: ${JSON.stringify(tables)}`);
    // The safety backup: the database as it was just before the restore (5 migrations applied).
    const after = fs.readdirSync(backupsDir).filter((f) => /^backup_.*\.sqlite3$/.test(f)).sort();
    const added = after.filter((f) => !before.includes(f));
    assert.equal(added.length, 1, `one safety backup added: ${JSON.stringify(after)}`);
    assert.ok(toast.includes(added[0] as string), `the toast names the safety backup ${added[0]}`);
    const saved = await query<{ name: string }>(path.join(backupsDir, added[0] as string), 'SELECT name FROM knex_migrations ORDER BY id');
    assert.deepEqual(saved.map((r) => r.name), migrations.slice(0, 5));
  });

  await step('New Migration writes a file from the safe template, opens it, and lists it as pending', async () => {
    await wb.runCommand('Migration Guard: New Migration');
    // Typed as a person says it; the file name is made from it (protocol normalizeMigrationName).
    await wb.answerInputBox('new migration', 'add status to orders');
    // The command opens the file once the engine has written it.
    await wb.waitForEditorText(/keep each change reversible and safe/);
    await wb.screenshot('new-migration');
    const created = fs.readdirSync(path.join(workspace, 'migrations')).filter((f) => f.endsWith('_add_status_to_orders.js'));
    assert.equal(created.length, 1, `one new file: ${JSON.stringify(created)}`);
    const file = created[0] as string;
    assert.match(file, /^\d{14}_add_status_to_orders\.js$/, 'named as knex migrate:make names it');
    await wb.waitForTreeRows(container, [rootRow, { label: 'Pending', description: '7 migrations' }, ...[...migrations, file].map(pendingRow)]);
    const text = fs.readFileSync(path.join(workspace, 'migrations', file), 'utf8');
    assert.match(text, /exports\.down/, 'the template has a down()');
  });

  await step('Mark as Applied (Baseline), from a pending migration\'s context menu, records it without running it', async () => {
    // The database is the pre-upgrade one again: no users table. Baselining says "it is already there".
    const first = migrations[0] as string;
    const created = fs.readdirSync(path.join(workspace, 'migrations')).filter((f) => f.endsWith('_add_status_to_orders.js'));
    const dialog = await wb.treeContextMenuDialog(container, shortLabel(first), 'Mark as Applied (Baseline)');
    log(`dialog: ${dialog.message} | buttons ${JSON.stringify(dialog.buttons)}`);
    await wb.screenshot('mark-applied-dialog');
    assert.equal(dialog.message, `Mark as Applied ${first}?`);
    assert.match(dialog.detail, /Its code does NOT run/);
    await wb.clickDialogButton('Mark as Applied');
    await wb.waitForTreeRows(container, [
      rootRow,
      { label: 'Pending', description: '6 migrations' },
      ...[...migrations.slice(1), ...created].map(pendingRow),
      batchRow(1),
      appliedRow(first, true),
    ]);
    await wb.screenshot('revisions-after-mark-applied');
    const applied = await query<{ name: string; batch: number }>(database, 'SELECT name, batch FROM knex_migrations ORDER BY id');
    assert.deepEqual(applied, [{ name: first, batch: 1 }]);
    const users = await query(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'users'");
    assert.deepEqual(users, [], 'its up() did not run');
  });

  finish();
});

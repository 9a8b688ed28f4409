/**
 * Migration Guard: Open Demo Workspace — the walkthrough's first step. Copies the demo that ships in the extension
 * (examples/demo: a knexfile on SQLite and six migrations, the last one dropping a table) into a new folder of the
 * extension's storage, lets the engine apply the first three (so the database exists and the upgrade backs it up, as
 * it would a developer's own), and opens the folder.
 */
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { commands } from '../../server/src/protocol';
import type { Engine } from './engine';

/** The migration the demo database is brought up to, as `npm run demo` does: three applied, three pending. */
const DEMO_APPLIED_UP_TO = '20240203101000_create_legacy_sessions.js';

/** Copies the demo, applies its first three migrations through the engine, and opens it (in this window when none is open). */
export async function openDemoCommand(context: vscode.ExtensionContext, engine: Engine): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const folder = vscode.Uri.joinPath(context.globalStorageUri, `demo-${stamp}`);
  try {
    await fs.cp(context.asAbsolutePath('examples/demo'), folder.fsPath, {
      recursive: true,
      filter: (src) => !/\.sqlite3(-journal|-wal|-shm)?$/.test(src) && !src.includes('.migration-guard'),
    });
    // The engine runs the demo's own knexfile (shipped with the extension, so trusted as the extension is).
    const target = { folder: { uri: folder, name: 'demo', index: 0 } };
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Migration Guard: preparing the demo database…' }, () =>
      engine.run(commands.upgrade, { to: DEMO_APPLIED_UP_TO, yes: true }, target),
    );
  } catch (error) {
    void vscode.window.showErrorMessage(`Migration Guard: could not prepare the demo: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const empty = (vscode.workspace.workspaceFolders ?? []).length === 0;
  await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: !empty });
}

/**
 * The database file guard: deleting the SQLite database file "to reset the schema" is the classic way to lose
 * everything. For every Knex project on SQLite (the engine's `project.sqliteFile`), the file is watched; when it is
 * deleted, or truncated so that it is no longer a database (db-file-state.ts), a warning names the latest backup
 * (time and size, from `backups --json`) and offers "Restore Latest Backup" (the Restore command, with its
 * confirmation) and "Show Backups".
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { commands } from '../../server/src/protocol';
import { restoreCommand, type CommandContext } from './commands';
import { databaseFileLoss, latestRestorable, lossMessage, SQLITE_HEADER, type DatabaseFileFacts, type DatabaseFileLoss } from './db-file-state';
import { isKnexStatus, type StatusStore } from './status-store';

/** Size and header of `file`; undefined when it does not exist (or cannot be read). */
export async function readDatabaseFileFacts(file: string): Promise<DatabaseFileFacts | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const { size } = await handle.stat();
    const header = Buffer.alloc(16);
    const { bytesRead } = await handle.read(header, 0, 16, 0);
    return { size, sqliteHeader: bytesRead === 16 && header.toString('latin1') === SQLITE_HEADER };
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

interface Watched {
  folder: vscode.WorkspaceFolder;
  databaseName: string;
  watcher: vscode.FileSystemWatcher;
  /** Last facts seen (undefined: no file). */
  facts: DatabaseFileFacts | undefined;
  /** A warning for this loss is showing: one per loss, until the file is a database again. */
  warned: boolean;
  /** Checks run one after the other, so each compares with the facts the previous one saw. */
  queue: Promise<void>;
}

/** Watches the SQLite database files of the workspace's Knex projects. */
export class DatabaseFileGuard implements vscode.Disposable {
  private readonly watched = new Map<string, Watched>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly store: StatusStore,
    private readonly ctx: CommandContext,
  ) {
    this.subscriptions.push(store.onDidChange(() => void this.sync()));
    // The first read waits for activation to finish (the engine starts lazily).
    const timer = setTimeout(() => void this.sync(), 0);
    this.subscriptions.push({ dispose: () => clearTimeout(timer) });
  }

  /** Starts watching the database file of each folder's project (as the engine reports it); stops for files no longer reported. */
  async sync(): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const statuses = await Promise.all(folders.map(async (folder) => ({ folder, status: await this.store.get(folder) })));
    const files = new Set<string>();
    for (const { folder, status } of statuses) {
      // An error read (e.g. the database just vanished) keeps the watch it had.
      if (status instanceof Error) {
        for (const [file, w] of this.watched) if (w.folder.uri.toString() === folder.uri.toString()) files.add(file);
        continue;
      }
      if (!isKnexStatus(status) || !status.project.sqliteFile) continue;
      const file = status.project.sqliteFile;
      files.add(file);
      if (!this.watched.has(file)) await this.watch(folder, file, status.project.databaseName ?? path.basename(file));
    }
    for (const [file, w] of this.watched) {
      if (files.has(file)) continue;
      w.watcher.dispose();
      this.watched.delete(file);
    }
  }

  private async watch(folder: vscode.WorkspaceFolder, file: string, databaseName: string): Promise<void> {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const entry: Watched = { folder, databaseName, watcher, facts: await readDatabaseFileFacts(file), warned: false, queue: Promise.resolve() };
    this.watched.set(file, entry);
    const check = () => {
      entry.queue = entry.queue.then(() => this.check(file, entry)).catch((error: unknown) => this.ctx.output.appendLine(`database file guard: ${String(error)}`));
    };
    watcher.onDidDelete(check);
    watcher.onDidChange(check);
    watcher.onDidCreate(check);
  }

  private async check(file: string, entry: Watched): Promise<void> {
    const now = await readDatabaseFileFacts(file);
    const loss = databaseFileLoss(entry.facts, now);
    // Keep the last facts of a database: a file that is lost stays lost until it is a database again.
    if (!loss) entry.facts = now;
    if (now?.sqliteHeader) entry.warned = false;
    // The lenses, badges and tree show the new state (a changed database may have new migrations applied).
    this.store.invalidate(500);
    if (loss && !entry.warned) {
      entry.warned = true;
      this.ctx.output.appendLine(`Database file guard: ${file} was ${loss}.`);
      void this.warn(entry, loss);
    }
  }

  private async warn(entry: Watched, loss: DatabaseFileLoss): Promise<void> {
    const target = { folder: entry.folder };
    let backup;
    try {
      backup = latestRestorable(await this.ctx.engine.run(commands.backups, {}, target));
    } catch (error) {
      this.ctx.output.appendLine(`Database file guard: listing backups failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const restore = 'Restore Latest Backup';
    const show = 'Show Backups';
    const choice = await vscode.window.showWarningMessage(lossMessage(entry.databaseName, loss, backup), ...(backup ? [restore] : []), show);
    if (choice === restore && backup) await restoreCommand(this.ctx, { target, backup });
    else if (choice === show) await restoreCommand(this.ctx, { target });
  }

  dispose(): void {
    for (const w of this.watched.values()) w.watcher.dispose();
    this.watched.clear();
    for (const d of this.subscriptions) d.dispose();
  }
}

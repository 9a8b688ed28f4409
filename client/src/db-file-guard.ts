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
import type { EngineTarget } from './engine';
import type { StatusStore } from './status-store';

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
  /** The project whose database it is (the Restore command acts on it). */
  target: EngineTarget;
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

  /** Starts watching the database file of each Knex project (as the engine reports it); stops for files no longer reported. */
  async sync(): Promise<void> {
    const roots = (await this.store.roots()) ?? [];
    const files = new Set<string>();
    const same = (a: EngineTarget, b: EngineTarget) => a.folder.uri.toString() === b.folder.uri.toString() && a.project?.root === b.project?.root;
    for (const root of roots) {
      // An error read (e.g. the database just vanished) keeps the watch it had.
      if (root.state.kind === 'error') {
        for (const [file, w] of this.watched) if (same(w.target, root.target)) files.add(file);
        continue;
      }
      if (root.state.kind !== 'knex' || !root.state.status.project.sqliteFile) continue;
      const { project } = root.state.status;
      const file = project.sqliteFile!;
      files.add(file);
      if (!this.watched.has(file)) await this.watch(root.target, file, project.databaseName ?? path.basename(file));
    }
    for (const [file, w] of this.watched) {
      if (files.has(file)) continue;
      w.watcher.dispose();
      this.watched.delete(file);
    }
  }

  private async watch(target: EngineTarget, file: string, databaseName: string): Promise<void> {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const entry: Watched = { target, databaseName, watcher, facts: await readDatabaseFileFacts(file), warned: false, queue: Promise.resolve() };
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
    const { target } = entry;
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

/**
 * The one place the extension reads the migration state: every project of every workspace folder (revisions/load.ts),
 * one `status --json` per project and environment per refresh, shared by the Revisions view, the status bar, the
 * CodeLens, the Explorer badges and the database file guard. A refresh (after a command, a migration file,
 * knexfile or setting change) drops the shared read and tells them, so they ask again and one engine process per
 * project answers all of them. Nothing is read in an untrusted workspace (loading the knexfile runs workspace code).
 *
 * A read waits at most `migrationGuard.connectTimeout` seconds for the database (the engine's `--connect-timeout`);
 * when it takes longer than {@link SLOW_READ_MS} a notification shows it, with Cancel.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { commands, DEFAULT_CONNECT_TIMEOUT_SECONDS, type DiscoveredProject } from '../../server/src/protocol';
import { EngineError, type Engine, type EngineTarget } from './engine';
import { loadRoots, SharedRoots, type LoadedRoot, type StateReader } from './revisions/load';

/** After this long a state read shows a cancellable progress notification. */
export const SLOW_READ_MS = 2000;

/** The folder's `migrationGuard.connectTimeout`, in seconds (the engine's default when unset or not a positive number). */
export function connectTimeoutSeconds(folder: vscode.WorkspaceFolder): number {
  const value = vscode.workspace.getConfiguration('migrationGuard', folder.uri).get<number>('connectTimeout', DEFAULT_CONNECT_TIMEOUT_SECONDS);
  return typeof value === 'number' && value > 0 ? value : DEFAULT_CONNECT_TIMEOUT_SECONDS;
}

/** Cached reads of every root. */
export class StatusStore implements vscode.Disposable {
  private readonly discovery = new Map<string, DiscoveredProject[]>();
  private readonly shared: SharedRoots;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after {@link invalidate}: listeners ask {@link roots} again when they need the state. */
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private rediscoverPending = false;

  /**
   * @param engine runs `projects --json` and `status --json`
   * @param log receives a line when a read fails
   */
  constructor(engine: Engine, log: (line: string) => void) {
    const reader: StateReader = {
      projects: async (folder) => (await engine.runTool(commands.projects, { cwd: folder.uri.fsPath }, folder.uri.fsPath)).projects,
      status: (target) => readSlowly(target, (token) => engine.run(commands.status, {}, target, token)),
    };
    this.shared = new SharedRoots(async () => {
      if (!vscode.workspace.isTrusted) return undefined;
      const folders = vscode.workspace.workspaceFolders ?? [];
      if (folders.length === 0) return undefined;
      const workspace = { folders, knexfileSetting: (f: vscode.WorkspaceFolder) => vscode.workspace.getConfiguration('migrationGuard', f.uri).get<string>('knexfile', ''), log };
      return loadRoots(workspace, reader, this.discovery);
    });
  }

  /** Every root with its state: the shared read, or a new one. Never rejects: a failure is the root's error state. */
  roots(): Promise<LoadedRoot[] | undefined> {
    return this.shared.get();
  }

  /** The roots of the last finished read, without reading (undefined: none yet). */
  peek(): LoadedRoot[] | undefined {
    return this.shared.peek();
  }

  /**
   * Drops the shared read and tells the listeners: at once, or `delayMs` later, where calls within that time
   * coalesce (one refresh for a burst of file events). `rediscover` also looks for projects again (a configuration
   * file, a folder or a setting changed; Refresh and Retry).
   */
  invalidate(delayMs = 0, rediscover = false): void {
    if (rediscover) this.rediscoverPending = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const run = () => {
      this.timer = undefined;
      if (this.rediscoverPending) this.discovery.clear();
      this.rediscoverPending = false;
      this.shared.drop();
      this.changed.fire();
    };
    if (delayMs <= 0) run();
    else this.timer = setTimeout(run, delayMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}

/** Where a target is, for the progress message: its workspace folder's name, and the project folder below it (`api`, `shop/services/api`). */
function targetName(target: EngineTarget): string {
  const below = target.project ? path.relative(target.folder.uri.fsPath, target.project.root) : '';
  return below && !below.startsWith('..') && !path.isAbsolute(below) ? `${target.folder.name}/${below.split(path.sep).join('/')}` : target.folder.name;
}

/**
 * Runs `read` with a cancellation token; when it has not finished after {@link SLOW_READ_MS}, shows a notification
 * ("Migration Guard: connecting to the database of api…") whose Cancel stops the engine process (the read then
 * fails with the engine runner's `cancelled` error, shown on the root with Retry).
 */
async function readSlowly<T>(target: EngineTarget, read: (token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  const source = new vscode.CancellationTokenSource();
  const running = read(source.token);
  const slow = setTimeout(() => {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Migration Guard: reading the migrations of ${targetName(target)} (waits up to ${connectTimeoutSeconds(target.folder)} s for the database)…`, cancellable: true },
      async (_progress, token) => {
        const cancel = token.onCancellationRequested(() => source.cancel());
        try {
          await running.catch(() => undefined);
        } finally {
          cancel.dispose();
        }
      },
    );
  }, SLOW_READ_MS);
  try {
    return await running;
  } catch (error) {
    if (error instanceof EngineError && error.code === 'cancelled') {
      throw new EngineError(`Cancelled while reading the migrations of ${targetName(target)}: the state is unknown.`, 'cancelled');
    }
    throw error;
  } finally {
    clearTimeout(slow);
    source.dispose();
  }
}

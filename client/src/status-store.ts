/**
 * One read of `status --json` per workspace folder, shared by the CodeLens, the Explorer decorations and the database
 * file guard: each asks the store, and a refresh (after a command, a migration file or knexfile change, a setting
 * change) drops the cached reads and tells them, so they ask again and one engine process answers all of them.
 * Nothing is read in an untrusted workspace (loading the knexfile runs workspace code).
 */
import * as vscode from 'vscode';
import { commands, type OtherRunnerState, type StatusResult } from '../../server/src/protocol';
import type { Engine } from './engine';

/** A folder's state: the Knex status, another runner's state, the Error that stopped the read, or undefined (not read: untrusted). */
export type FolderStatus = StatusResult | OtherRunnerState | Error | undefined;

/** True for a Knex project's status (not another runner's state, not an error). */
export function isKnexStatus(status: FolderStatus): status is StatusResult {
  return status !== undefined && !(status instanceof Error) && !('runner' in status);
}

/** Cached status reads by workspace folder. */
export class StatusStore implements vscode.Disposable {
  private readonly reads = new Map<string, Promise<FolderStatus>>();
  private readonly known = new Map<string, FolderStatus>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after {@link invalidate}: listeners ask {@link get} again when they need the state. */
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param engine runs `status --json`
   * @param log receives a line when a read fails
   */
  constructor(
    private readonly engine: Engine,
    private readonly log: (line: string) => void,
  ) {}

  /** The folder's status: the cached read, or a new one. Never rejects: a failure resolves to its Error. */
  get(folder: vscode.WorkspaceFolder): Promise<FolderStatus> {
    const key = folder.uri.toString();
    let read = this.reads.get(key);
    if (!read) {
      read = this.read(folder).then((status) => {
        if (this.reads.get(key) === read) this.known.set(key, status);
        return status;
      });
      this.reads.set(key, read);
    }
    return read;
  }

  /** The last status read for the folder, without reading (undefined: none yet). */
  peek(folder: vscode.WorkspaceFolder): FolderStatus {
    return this.known.get(folder.uri.toString());
  }

  /**
   * Drops every cached read and tells the listeners: at once, or `delayMs` later, where calls within that time
   * coalesce (one refresh for a burst of file events).
   */
  invalidate(delayMs = 0): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const run = () => {
      this.timer = undefined;
      this.reads.clear();
      this.changed.fire();
    };
    if (delayMs <= 0) run();
    else this.timer = setTimeout(run, delayMs);
  }

  private async read(folder: vscode.WorkspaceFolder): Promise<FolderStatus> {
    if (!vscode.workspace.isTrusted) return undefined;
    try {
      return await this.engine.run(commands.status, {}, { folder });
    } catch (error) {
      this.log(`status of ${folder.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}

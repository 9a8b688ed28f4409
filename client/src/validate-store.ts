/**
 * The last Validate of each project, per workspace folder, project and environment, for the Revisions view's drift
 * badge. Only the Validate command fills it: Validate replays the migrations in a scratch database, too slow to run on
 * every refresh of the view. Kept for the window's lifetime (not persisted): a badge never outlives the session that
 * saw the result.
 */
import * as vscode from 'vscode';
import type { EngineTarget } from './engine';
import type { ValidationRecord } from './validate-report';

/**
 * The store's key of a target: its folder, project folder and knexfile, and the `migrationGuard.environment` setting
 * the engine is run with (engine.ts passes it as `--env`): another environment is another database.
 */
function keyOf(target: EngineTarget): string {
  const environment = vscode.workspace.getConfiguration('migrationGuard', target.folder.uri).get<string>('environment', '');
  return JSON.stringify([target.folder.uri.toString(), target.project?.root ?? '', target.project?.knexfile ?? '', environment]);
}

/** Validate results by project and environment. */
export class ValidationStore implements vscode.Disposable {
  private readonly records = new Map<string, ValidationRecord>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after {@link set}. */
  readonly onDidChange = this.changed.event;

  /** Keeps `record` as the target's last Validate (replacing the one before, whatever it said). */
  set(target: EngineTarget, record: ValidationRecord): void {
    this.records.set(keyOf(target), record);
    this.changed.fire();
  }

  /** The target's last Validate in its current environment; undefined when none ran in this window. */
  get(target: EngineTarget): ValidationRecord | undefined {
    return this.records.get(keyOf(target));
  }

  dispose(): void {
    this.changed.dispose();
    this.records.clear();
  }
}

/**
 * The last Validate of each project, for the Revisions view's drift badge. Only the Validate command fills it: Validate
 * replays the migrations in a scratch database, too slow to run on every refresh of the view. Kept for the window's
 * lifetime (not persisted): a badge never outlives the session that saw the result.
 */
import * as vscode from 'vscode';
import type { ProjectInfo } from '../../server/src/protocol';
import type { EngineTarget } from './engine';
import { latestRecord, projectKey, type ValidationRecord } from './validate-report';

/**
 * The key of a Validate that names no project (an engine error, or an engine version without `project`): the folder
 * the engine ran in and the `migrationGuard.environment` setting it was given (engine.ts passes it as `--env`).
 */
function folderKey(target: EngineTarget): string {
  const environment = vscode.workspace.getConfiguration('migrationGuard', target.folder.uri).get<string>('environment', '');
  return JSON.stringify([target.project?.root ?? target.folder.uri.fsPath, environment]);
}

/** Validate results by database (the engine's ProjectInfo: knexfile, environment, connection), errors by folder and environment. */
export class ValidationStore implements vscode.Disposable {
  private readonly byProject = new Map<string, ValidationRecord>();
  private readonly byFolder = new Map<string, ValidationRecord>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after {@link set}. */
  readonly onDidChange = this.changed.event;

  /** Keeps `record` as the last Validate of the project it names (else of `target`'s folder and environment). */
  set(target: EngineTarget, record: ValidationRecord): void {
    if (record.kind === 'result' && record.result.project) this.byProject.set(projectKey(record.result.project), record);
    else this.byFolder.set(folderKey(target), record);
    this.changed.fire();
  }

  /**
   * The last Validate of the database `project` names (as the view's `status` read gives it) or of `target`'s folder and
   * environment, whichever is later; undefined when none ran in this window.
   */
  get(target: EngineTarget, project: ProjectInfo): ValidationRecord | undefined {
    return latestRecord(this.byProject.get(projectKey(project)), this.byFolder.get(folderKey(target)));
  }

  dispose(): void {
    this.changed.dispose();
    this.byProject.clear();
    this.byFolder.clear();
  }
}

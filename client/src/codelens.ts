/**
 * CodeLens above migration files: "Applied · batch 3 · 2 days ago", "Pending · Upgrade to here · Preview", edited and
 * missing warnings (lens-text.ts), from the shared status read (status-store.ts). Alembic revisions get Head, Current
 * and Merge marks from the engine's graph.
 */
import * as vscode from 'vscode';
import type { MigrationNodeArgument } from './commands';
import { alembicLenses, knexLenses, type LensAction } from './lens-text';
import { isKnexStatus, type StatusStore } from './status-store';

const COMMAND_OF: Record<LensAction, string> = {
  showRevisions: 'workbench.view.extension.migrationGuard',
  upgradeTo: 'migrationGuard.upgradeTo',
  preview: 'migrationGuard.preview',
};

class MigrationCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly store: StatusStore) {
    this.onDidChangeCodeLenses = store.onDidChange;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!folder) return [];
    const status = await this.store.get(folder);
    const file = document.uri.fsPath;
    const top = new vscode.Range(0, 0, 0, 0);
    if (isKnexStatus(status)) {
      const entry = status.migrations.find((m) => m.file === file);
      if (!entry) return [];
      // The tree's node shape (commands.ts MigrationNodeArgument): Upgrade to Here and Preview take the migration from it.
      const node: MigrationNodeArgument = { kind: 'migration', entry };
      return knexLenses(status, file).map(
        (lens) => new vscode.CodeLens(top, { title: lens.title, tooltip: lens.tooltip, command: lens.action ? COMMAND_OF[lens.action] : '', arguments: lens.action && lens.action !== 'showRevisions' ? [node] : [] }),
      );
    }
    if (status && !(status instanceof Error) && 'runner' in status && status.runner === 'alembic') {
      return alembicLenses(status, file).map((lens) => new vscode.CodeLens(top, { title: lens.title, tooltip: lens.tooltip, command: '' }));
    }
    return [];
  }
}

/** Registers the lenses for JavaScript, TypeScript and Python files on disk; they refresh when the store does. */
export function registerMigrationCodeLens(store: StatusStore): vscode.Disposable {
  return vscode.languages.registerCodeLensProvider(
    [
      { scheme: 'file', language: 'javascript' },
      { scheme: 'file', language: 'typescript' },
      { scheme: 'file', language: 'python' },
    ],
    new MigrationCodeLensProvider(store),
  );
}

/**
 * CodeLens above migration files: "Applied · batch 3 · 2 days ago", "Pending · Upgrade to here · Preview", edited and
 * missing warnings (lens-text.ts), from the shared read of every project (status-store.ts). Alembic revisions get Head, Current
 * and Merge marks from the engine's graph.
 */
import * as vscode from 'vscode';
import type { MigrationNodeArgument } from './commands';
import { alembicLenses, knexLenses, type LensAction } from './lens-text';
import { rootOfFile } from './revisions/projects';
import type { StatusStore } from './status-store';

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
    if (document.uri.scheme !== 'file') return [];
    const roots = await this.store.roots();
    // The project holding the file (as the Revisions view reads it), else its workspace folder's first root.
    const root = roots && rootOfFile(roots, document.uri);
    if (!root) return [];
    const file = document.uri.fsPath;
    const top = new vscode.Range(0, 0, 0, 0);
    if (root.state.kind === 'knex') {
      const status = root.state.status;
      const entry = status.migrations.find((m) => m.file === file);
      if (!entry) return [];
      // The tree's node shape (commands.ts MigrationNodeArgument): Upgrade to Here and Preview act on its project.
      const node: MigrationNodeArgument = { kind: 'migration', entry, target: root.target };
      return knexLenses(status, file).map(
        (lens) => new vscode.CodeLens(top, { title: lens.title, tooltip: lens.tooltip, command: lens.action ? COMMAND_OF[lens.action] : '', arguments: lens.action && lens.action !== 'showRevisions' ? [node] : [] }),
      );
    }
    if (root.state.kind === 'alembic') {
      return alembicLenses(root.state.state, file).map((lens) => new vscode.CodeLens(top, { title: lens.title, tooltip: lens.tooltip, command: '' }));
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

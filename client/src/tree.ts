/**
 * The "Revisions" tree: every migration with its state and batch, as `status --json` reports it.
 * getChildren never does synchronous file or database work: it awaits the engine process.
 */
import * as vscode from 'vscode';
import type { MigrationStatusEntry, StatusResult } from '../../server/src/protocol';

type Node = { kind: 'migration'; entry: MigrationStatusEntry } | { kind: 'message'; text: string; detail?: string; error: boolean };

const stateLabel: Record<MigrationStatusEntry['state'], string> = {
  applied: 'applied',
  pending: 'pending',
  missing: 'missing file',
};

/** Tree data provider for `migrationGuard.revisions`. */
export class RevisionTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  /** @param loadStatus asks the engine for the status; resolves an Error to render instead of throwing. */
  constructor(
    private readonly loadStatus: () => Promise<StatusResult | Error | undefined>,
    private readonly onStatus: (status: StatusResult | undefined) => void,
  ) {}

  /** Drops the cached status and asks the view to render again. */
  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: Node): Promise<Node[]> {
    if (element) return [];
    const status = await this.loadStatus();
    if (status === undefined) return [];
    if (status instanceof Error) {
      this.onStatus(undefined);
      const hint = (status as Error & { hint?: string }).hint;
      return [{ kind: 'message', text: status.message, detail: hint, error: true }];
    }
    this.onStatus(status);
    if (status.migrations.length === 0) {
      return [{ kind: 'message', text: `No migrations in ${status.project.migrationDirectories.join(', ')}`, error: false }];
    }
    const nodes: Node[] = status.migrations.map((entry) => ({ kind: 'migration', entry }));
    if (status.lock.held) nodes.unshift({ kind: 'message', text: 'The migrations lock is held', detail: 'Another upgrade may be running, or one crashed.', error: true });
    return nodes;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
      item.tooltip = node.detail ? `${node.text}\n${node.detail}` : node.text;
      item.description = node.detail;
      return item;
    }
    const { entry } = node;
    const item = new vscode.TreeItem(entry.name, vscode.TreeItemCollapsibleState.None);
    item.id = `migration:${entry.name}`;
    item.contextValue = `migration.${entry.state}`;
    item.description = entry.batch !== null ? `${stateLabel[entry.state]} · batch ${entry.batch}` : stateLabel[entry.state];
    item.iconPath =
      entry.state === 'applied'
        ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
        : entry.state === 'pending'
          ? new vscode.ThemeIcon('circle-large-outline')
          : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    const tooltip = new vscode.MarkdownString(`**${entry.name}**\n\nState: ${stateLabel[entry.state]}`);
    if (entry.batch !== null) tooltip.appendMarkdown(`\n\nBatch: ${entry.batch}`);
    if (entry.appliedAt) tooltip.appendMarkdown(`\n\nApplied: ${entry.appliedAt}`);
    if (entry.state === 'missing') tooltip.appendMarkdown('\n\nThe database records this migration, but its file is gone.');
    item.tooltip = tooltip;
    if (entry.file) {
      item.resourceUri = vscode.Uri.file(entry.file);
      item.command = { command: 'migrationGuard.openMigration', title: 'Open Migration', arguments: [vscode.Uri.file(entry.file)] };
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * The "Revisions" tree: pending migrations first, then one group per batch (newest first, a batch's most recently
 * applied first), each migration with its state, all as `status --json` gives them (status-groups.ts). getChildren
 * never does synchronous file or database work: it awaits the engine process.
 */
import * as vscode from 'vscode';
import type { MigrationState, MigrationStatusEntry, StatusResult } from '../../server/src/protocol';
import { statusGroups } from './status-groups';

type Node =
  | { kind: 'group'; id: string; label: string; description: string; tooltip: string; children: MigrationStatusEntry[]; current: string | null }
  | { kind: 'migration'; entry: MigrationStatusEntry; current: boolean }
  | { kind: 'message'; text: string; detail?: string; error: boolean; actions?: boolean }
  | { kind: 'action'; label: string; command: string; icon: string };

/** Commands of the actions under an error the status read ended with (registered in extension.ts). */
export const ERROR_ACTIONS = [
  { label: 'Retry', command: 'migrationGuard.refresh', icon: 'refresh' },
  { label: 'Show Output', command: 'migrationGuard.showOutput', icon: 'output' },
] as const;

const stateLabel: Record<MigrationState, string> = {
  applied: 'applied',
  pending: 'pending',
  missing: 'missing file',
  edited: 'edited after it ran',
  'out-of-order': 'pending, out of order',
};

const stateHelp: Record<MigrationState, string> = {
  applied: 'Recorded in the migrations table; the file is unchanged (or has no recorded checksum).',
  pending: 'Not applied yet: the next upgrade runs it.',
  missing: 'The database records this migration, but its file is gone: Knex refuses to run until it is restored.',
  edited: 'The file changed after it was applied: the database does not have what the file now says.',
  'out-of-order': 'Not applied, but it sorts before the last applied migration (a merged branch?). Knex will still run it.',
};

/** Tree data provider for `migrationGuard.revisions`. */
export class RevisionTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  /**
   * @param loadStatus asks the engine for the status; resolves an Error to render instead of throwing.
   * @param onStatus receives each read's outcome: the status, the Error that stopped it, or undefined (not read: untrusted, no folder).
   */
  constructor(
    private readonly loadStatus: () => Promise<StatusResult | Error | undefined>,
    private readonly onStatus: (status: StatusResult | Error | undefined) => void,
  ) {}

  /** Drops the cached status and asks the view to render again. */
  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: Node): Promise<Node[]> {
    if (element?.kind === 'group') return element.children.map((entry) => ({ kind: 'migration', entry, current: entry.name === element.current }));
    if (element?.kind === 'message' && element.actions) return ERROR_ACTIONS.map((a) => ({ kind: 'action', ...a }));
    if (element) return [];
    const status = await this.loadStatus();
    this.onStatus(status);
    if (status === undefined) return [];
    if (status instanceof Error) {
      // Never an empty or "up to date" view for a state that could not be read: the error, then Retry and Show Output.
      const hint = (status as Error & { hint?: string }).hint;
      return [{ kind: 'message', text: status.message, detail: hint, error: true, actions: true }];
    }
    if (status.migrations.length === 0) {
      return [{ kind: 'message', text: `No migrations in ${status.project.migrationDirectories.join(', ')}`, error: false }];
    }
    const current = status.current ?? null;
    const nodes: Node[] = statusGroups(status).map(({ migrations, ...group }) => ({ kind: 'group', ...group, children: migrations, current }));
    if (status.lock.held) nodes.unshift({ kind: 'message', text: 'The migrations lock is held', detail: 'Another upgrade may be running, or one crashed.', error: true });
    return nodes;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'action') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.command = { command: node.command, title: node.label };
      item.contextValue = 'errorAction';
      return item;
    }
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, node.actions ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
      item.tooltip = node.detail ? `${node.text}\n${node.detail}` : node.text;
      item.description = node.detail;
      item.contextValue = node.error && !node.actions && node.text.includes('lock') ? 'lockHeld' : node.actions ? 'engineError' : 'message';
      return item;
    }
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.id}`;
      item.description = node.description;
      item.tooltip = node.tooltip;
      item.contextValue = node.id === 'pending' ? 'group.pending' : 'group.batch';
      item.iconPath = new vscode.ThemeIcon(node.id === 'pending' ? 'arrow-circle-up' : 'layers');
      return item;
    }
    const { entry } = node;
    const item = new vscode.TreeItem(entry.name, vscode.TreeItemCollapsibleState.None);
    item.id = `migration:${entry.name}`;
    item.contextValue = `migration.${entry.state}`;
    item.description = node.current ? `${stateLabel[entry.state]} · current` : stateLabel[entry.state];
    item.iconPath =
      entry.state === 'applied'
        ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
        : entry.state === 'pending'
          ? new vscode.ThemeIcon('circle-large-outline')
          : entry.state === 'out-of-order'
            ? new vscode.ThemeIcon('debug-step-back', new vscode.ThemeColor('problemsWarningIcon.foreground'))
            : entry.state === 'edited'
              ? new vscode.ThemeIcon('diff-modified', new vscode.ThemeColor('problemsWarningIcon.foreground'))
              : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    const tooltip = new vscode.MarkdownString(`**${entry.name}**\n\n${stateLabel[entry.state]}: ${stateHelp[entry.state]}`);
    if (entry.batch !== null) tooltip.appendMarkdown(`\n\nBatch: ${entry.batch}`);
    if (entry.appliedAt) tooltip.appendMarkdown(`\n\nApplied: ${entry.appliedAt}`);
    if (entry.checksum === 'none' && entry.batch !== null) tooltip.appendMarkdown('\n\nNo checksum: applied without Migration Guard.');
    if (entry.checksum === 'missing') tooltip.appendMarkdown('\n\nIts checksum was recorded when it was applied; the file is gone, so there is nothing to compare.');
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

/**
 * The "Revisions" tree: one root per project in every workspace folder (projects.ts), labelled by model.ts
 * `rootView`. A Knex root holds today's groups: pending migrations first, then one group per batch (newest first, a
 * batch's most recently applied first), as `status --json` gives them (status-groups.ts). An Alembic root draws the
 * revision graph, heads first; a node-pg-migrate or SQL root its migrations or "state unknown" (model.ts rows).
 * An error root holds a hint naming the setting to change, Retry and Show Output. getChildren never does
 * synchronous file or database work: it awaits the engine processes.
 */
import * as vscode from 'vscode';
import type { MigrationState, MigrationStatusEntry } from '../../../server/src/protocol';
import type { EngineTarget } from '../engine';
import { statusGroups } from '../status-groups';
import { relativeTime } from '../relative-time';
import { alembicRows, errorHint, folderRows, rootView, shortName, type Row } from './model';
import { migrationContextValue } from './node-actions';
import type { LoadedRoot } from './projects';
import type { ValidationRecord } from '../validate-report';

/** A root node as commands of its context menu and inline actions receive it (Validate). */
export interface RootNodeArgument {
  kind: 'root';
  root: LoadedRoot;
}

/** Scheme of the roots' resource URIs: it lets {@link ProtectedRootDecorations} draw a protected root's label in red. */
export const ROOT_SCHEME = 'migration-guard-root';

type Node =
  | RootNodeArgument
  | { kind: 'group'; root: LoadedRoot; id: string; label: string; description: string; tooltip: string; children: MigrationStatusEntry[]; current: string | null }
  | { kind: 'migration'; root: LoadedRoot; entry: MigrationStatusEntry; current: boolean; target: EngineTarget }
  | { kind: 'row'; root: LoadedRoot; row: Row }
  | { kind: 'message'; root: LoadedRoot | undefined; text: string; detail?: string; tooltip?: string; error: boolean; lock?: boolean }
  | { kind: 'action'; label: string; command: string; icon: string; args?: unknown[] };

/** Commands of the actions under an error root (registered in extension.ts). */
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

const rowColors: Record<NonNullable<Row['color']>, string> = {
  error: 'problemsErrorIcon.foreground',
  warning: 'problemsWarningIcon.foreground',
  passed: 'testing.iconPassed',
  current: 'charts.blue',
};

/** The root's identity: workspace folder, project folder and runner. */
function rootKey(root: LoadedRoot): string {
  return `${root.folderPath}|${root.project?.root ?? ''}|${root.project?.runner ?? 'folder'}`;
}

/** Tree data provider for `migrationGuard.revisions`. */
export class RevisionTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The root nodes of the last read: {@link redrawRoots} redraws these objects (the tree knows its nodes by identity). */
  private rootNodes: RootNodeArgument[] = [];

  /**
   * @param loadRoots the roots of the shared read (status-store.ts; undefined: not read, untrusted workspace or no folder).
   * @param onRoots receives each read's roots, for the status bar.
   * @param validation the last Validate of a root's project (ValidationStore), for its drift badge; never runs Validate.
   */
  constructor(
    private readonly loadRoots: () => Promise<LoadedRoot[] | undefined>,
    private readonly onRoots: (roots: LoadedRoot[] | undefined) => void,
    private readonly validation: (root: LoadedRoot) => ValidationRecord | undefined = () => undefined,
  ) {}

  /** Asks for the roots again (the store fired: its read was dropped; it debounces bursts of file and setting events). */
  refreshNow(): void {
    this.changed.fire(undefined);
  }

  /** Redraws the roots without reading any state again (a Validate result arrived: only the badge changes). */
  redrawRoots(): void {
    if (this.rootNodes.length > 0) this.changed.fire([...this.rootNodes]);
  }

  async getChildren(element?: Node): Promise<Node[]> {
    if (!element) {
      const roots = await this.loadRoots();
      this.onRoots(roots);
      this.rootNodes = (roots ?? []).map((root) => ({ kind: 'root', root }));
      return this.rootNodes;
    }
    if (element.kind === 'root') return this.rootChildren(element.root);
    if (element.kind === 'group') return element.children.map((entry) => ({ kind: 'migration', root: element.root, entry, current: entry.name === element.current, target: element.root.target }));
    return [];
  }

  private rootChildren(root: LoadedRoot): Node[] {
    const { state } = root;
    if (state.kind === 'error') {
      // Never an empty or "up to date" root for a state that could not be read: the hint, then Retry and Show Output.
      return [
        // The first line as the label (Node's "Require stack" lines follow a module error); all of it in the tooltip.
        { kind: 'message', root, text: state.error.message.split('\n')[0]!, detail: errorHint(state.error), tooltip: state.error.message, error: true },
        ...ERROR_ACTIONS.map((a): Node => ({ kind: 'action', ...a })),
      ];
    }
    if (state.kind === 'alembic') return alembicRows(state.state).map((row) => ({ kind: 'row', root, row }));
    if (state.kind === 'folder') return folderRows(state.state).map((row) => ({ kind: 'row', root, row }));
    const status = state.status;
    if (status.migrations.length === 0) return [{ kind: 'message', root, text: `No migrations in ${status.project.migrationDirectories.join(', ')}`, error: false }];
    const current = status.current ?? null;
    const nodes: Node[] = statusGroups(status).map(({ migrations, ...group }) => ({ kind: 'group', root, ...group, children: migrations, current }));
    if (status.lock.held) nodes.unshift({ kind: 'message', root, text: 'The migrations lock is held', detail: 'Another upgrade may be running, or one crashed.', error: true, lock: true });
    return nodes;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'root':
        return this.rootItem(node.root);
      case 'action': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = { command: node.command, title: node.label, ...(node.args ? { arguments: node.args } : {}) };
        item.contextValue = 'errorAction';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
        item.tooltip = node.detail ? `${node.tooltip ?? node.text}\n${node.detail}` : node.tooltip ?? node.text;
        item.description = node.detail;
        item.contextValue = node.lock ? 'lockHeld' : node.error ? 'engineError' : 'message';
        return item;
      }
      case 'row':
        return this.rowItem(node.root, node.row);
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `${rootKey(node.root)}|group:${node.id}`;
        const applied = node.id === 'pending' ? undefined : node.children.map((m) => m.appliedAt).filter((t): t is string => t !== null).sort().pop();
        item.description = applied ? `${node.description} · ${relativeTime(applied, Date.now())}` : node.description;
        item.tooltip = node.tooltip;
        item.contextValue = node.id === 'pending' ? 'group.pending' : 'group.batch';
        item.iconPath = new vscode.ThemeIcon(node.id === 'pending' ? 'arrow-circle-up' : 'layers');
        return item;
      }
      case 'migration':
        return this.migrationItem(node);
    }
  }

  private rootItem(root: LoadedRoot): vscode.TreeItem {
    const view = rootView(root, root.state.kind === 'knex' ? this.validation(root) : undefined, Date.now());
    const item = new vscode.TreeItem(view.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `root:${rootKey(root)}`;
    item.description = view.description;
    item.tooltip = view.protected ? `${view.tooltip}\nProtected environment: writes ask for the database name.` : view.tooltip;
    // `.validate`: a Knex project was read, so its inline and context menus offer Validate.
    item.contextValue = `root.${root.project?.runner ?? 'folder'}${root.state.kind === 'error' ? '.error' : ''}${view.protected ? '.protected' : ''}${root.state.kind === 'knex' ? '.validate' : ''}`;
    // The decoration provider colors the label of a protected root (a tree label has no color of its own).
    item.resourceUri = vscode.Uri.from({ scheme: ROOT_SCHEME, path: `/${encodeURIComponent(rootKey(root))}`, query: view.protected ? 'protected' : '' });
    item.iconPath = view.protected
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('errorForeground'))
      : view.level === 'error'
        ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
        : view.validation === 'found'
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
          : view.level === 'warning'
            ? new vscode.ThemeIcon('database', new vscode.ThemeColor('problemsWarningIcon.foreground'))
            : new vscode.ThemeIcon('database');
    return item;
  }

  private rowItem(root: LoadedRoot, row: Row): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = `${rootKey(root)}|${row.id}`;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon, row.color ? new vscode.ThemeColor(rowColors[row.color]) : undefined);
    item.contextValue = row.id.startsWith('rev:') ? 'alembicRevision' : row.id.startsWith('mig:') ? 'folderMigration' : 'message';
    if (row.file) item.command = { command: 'migrationGuard.openMigration', title: 'Open Migration', arguments: [vscode.Uri.file(row.file)] };
    return item;
  }

  private migrationItem(node: Extract<Node, { kind: 'migration' }>): vscode.TreeItem {
    const { entry } = node;
    const short = shortName(entry.name);
    const item = new vscode.TreeItem(short.label, vscode.TreeItemCollapsibleState.None);
    item.id = `${rootKey(node.root)}|migration:${entry.name}`;
    // package.json's menus show this node's actions by it (node-actions.ts migrationActions).
    item.contextValue = migrationContextValue(entry.state);
    const when = entry.appliedAt ? relativeTime(entry.appliedAt, Date.now()) : undefined;
    item.description = [stateLabel[entry.state] + (when ? ` ${when}` : ''), node.current ? 'current' : undefined, short.prefix].filter(Boolean).join(' · ');
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
    if (entry.appliedAt) tooltip.appendMarkdown(`\n\nApplied: ${entry.appliedAt} (${when})`);
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

/** Draws the label of a protected root (resource URI of {@link ROOT_SCHEME} with query `protected`) in red. */
export class ProtectedRootDecorations implements vscode.FileDecorationProvider {
  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== ROOT_SCHEME || uri.query !== 'protected') return undefined;
    return { color: new vscode.ThemeColor('errorForeground'), tooltip: 'Protected environment' };
  }
}

/**
 * The Revisions view, its two status-bar items and the environment picker, registered in one call from
 * extension.ts. The view reads every project of every workspace folder (projects.ts) and refreshes, debounced, when
 * the environment or another Migration Guard setting, a knexfile, an alembic.ini or a migration file changes, when
 * folders or trust change, and after every command (through `refresh`).
 */
import * as vscode from 'vscode';
import type { DiscoveredProject } from '../../../server/src/protocol';
import type { Engine, EngineTarget } from '../engine';
import { summarizeProjectState } from '../status-summary';
import { rootFolderLabel, rootView } from './model';
import { focusedRoot, loadRoots, rootContaining, type LoadedRoot } from './projects';
import { ProtectedRootDecorations, RevisionTreeProvider } from './tree';
import type { ValidationStore } from '../validate-store';

export type { RootNodeArgument } from './tree';

/** What the rest of the extension uses of the view. */
export interface Revisions {
  /** Reads every project's state again now (after a command); `rediscover` also looks for projects again (Retry, Refresh). */
  refresh(rediscover?: boolean): void;
  /** The roots of the last read (empty before the first). */
  roots(): readonly LoadedRoot[];
  /**
   * The Knex project a palette command acts on: the active editor's, else the only one, else the user's choice
   * (null when cancelled); undefined when the view found no Knex project (the caller falls back to the folder).
   */
  pickKnexProject(): Promise<EngineTarget | null | undefined>;
}

/**
 * Registers the view, the status-bar items, `migrationGuard.selectEnvironment` and the watchers; disposed with `context`.
 * Knex roots show the drift of their last Validate from `validations` (redrawn when it changes; the view never runs Validate).
 */
export function registerRevisions(context: vscode.ExtensionContext, engine: Engine, output: vscode.OutputChannel, validations: ValidationStore): Revisions {
  let roots: LoadedRoot[] = [];
  // Each folder's projects (projects --json), kept until a configuration file or a folder changes.
  const discovery = new Map<string, DiscoveredProject[]>();
  const rediscover = () => {
    discovery.clear();
    tree.refresh();
  };

  const statusItem = vscode.window.createStatusBarItem('migrationGuard.status', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'Migration Guard: Migrations';
  // The Revisions view shows the state, or the error with Retry and Show Output.
  statusItem.command = 'workbench.view.extension.migrationGuard';
  const envItem = vscode.window.createStatusBarItem('migrationGuard.environment', vscode.StatusBarAlignment.Left, 9);
  envItem.name = 'Migration Guard: Environment';
  envItem.command = 'migrationGuard.selectEnvironment';
  context.subscriptions.push(statusItem, envItem);

  const showFocused = () => {
    const root = focusedRoot(roots, vscode.window.activeTextEditor?.document.uri);
    if (!root) {
      statusItem.hide();
      envItem.hide();
      return;
    }
    const summary = summarizeProjectState(root.state);
    const name = roots.length > 1 ? `${rootFolderLabel(root)}: ` : '';
    statusItem.text = name ? summary.text.replace(/^(\$\([\w-]+\) )?/, (icon) => `${icon}${name}`) : summary.text;
    statusItem.tooltip = summary.tooltip;
    statusItem.backgroundColor =
      summary.level === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : summary.level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    statusItem.show();
    const envs = environmentChoices(root);
    const env = root.state.kind === 'knex' ? root.state.status.project.environment : undefined;
    // A knexfile not keyed by environment has none to pick: no entry then.
    if (envs.length > 0 || env) {
      const view = rootView(root);
      envItem.text = `${view.protected ? '$(warning)' : '$(server-environment)'} ${env ?? (root.state.kind === 'error' ? 'environment?' : 'default')}`;
      envItem.tooltip = `Knex environment of ${rootFolderLabel(root)}${view.protected ? ': PROTECTED, writes ask for the database name' : ''}. Click to select another.`;
      envItem.backgroundColor = view.protected ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
      envItem.show();
    } else {
      envItem.hide();
    }
  };

  const tree = new RevisionTreeProvider(
    async () => {
      if (!vscode.workspace.isTrusted) return undefined;
      if ((vscode.workspace.workspaceFolders ?? []).length === 0) return undefined;
      return loadRoots(engine, (line) => output.appendLine(line), discovery);
    },
    (loaded) => {
      roots = loaded ?? [];
      showFocused();
    },
    (root) => (root.state.kind === 'knex' ? validations.get(root.target, root.state.status.project) : undefined),
  );
  context.subscriptions.push(
    tree,
    validations.onDidChange(() => tree.redrawRoots()),
    vscode.window.registerTreeDataProvider('migrationGuard.revisions', tree),
    vscode.window.registerFileDecorationProvider(new ProtectedRootDecorations()),
    vscode.commands.registerCommand('migrationGuard.selectEnvironment', (node?: { root?: LoadedRoot }) => selectEnvironment(roots, node?.root ?? focusedRoot(roots, vscode.window.activeTextEditor?.document.uri), tree)),
    vscode.window.onDidChangeActiveTextEditor(showFocused),
    vscode.workspace.onDidGrantWorkspaceTrust(rediscover),
    vscode.workspace.onDidChangeWorkspaceFolders(rediscover),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('migrationGuard')) rediscover();
    }),
  );

  // Configuration files: any change may move a project or its migrations folder (discovery reads them).
  for (const pattern of ['**/{knexfile,knexfile.*}', '**/alembic.ini', '**/package.json', '**/.migration-guard.json']) {
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    context.subscriptions.push(watcher, watcher.onDidCreate(rediscover), watcher.onDidChange(rediscover), watcher.onDidDelete(rediscover));
  }
  // Migration files: an edit changes the state (edited after it ran); a new or deleted file may also make or end a folder.
  for (const pattern of ['**/migrations/**', '**/versions/**/*.py', '**/*.sql']) {
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    context.subscriptions.push(watcher, watcher.onDidCreate(rediscover), watcher.onDidChange(() => tree.refresh()), watcher.onDidDelete(rediscover));
  }

  return {
    refresh: (again = false) => {
      if (again) discovery.clear();
      tree.refreshNow();
    },
    roots: () => roots,
    pickKnexProject: async () => {
      const knex = roots.filter((r) => r.project?.runner === 'knex');
      if (knex.length === 0) return undefined;
      const active = vscode.window.activeTextEditor?.document.uri;
      const inside = active && rootContaining(knex, active);
      if (inside) return inside.target;
      if (knex.length === 1) return knex[0]!.target;
      const picked = await vscode.window.showQuickPick(
        knex.map((r) => ({ label: rootFolderLabel(r), description: rootView(r).description, root: r })),
        { title: 'Migration Guard: which project?' },
      );
      return picked ? picked.root.target : null;
    },
  };
}

/** The environments the engine listed for a Knex root (its status, or the unknown-environment error). */
function environmentChoices(root: LoadedRoot): string[] {
  if (root.state.kind === 'knex') return root.state.status.project.environments ?? [];
  if (root.state.kind === 'error') return root.state.error.environments ?? [];
  return [];
}

/**
 * Migration Guard: Select Environment — a QuickPick of the knexfile's environments (protected ones marked), written
 * to the workspace folder's `migrationGuard.environment` setting, which every engine command of that folder uses.
 */
async function selectEnvironment(roots: readonly LoadedRoot[], preferred: LoadedRoot | undefined, tree: RevisionTreeProvider): Promise<void> {
  const knexRoots = roots.filter((r) => environmentChoices(r).length > 0);
  let root = preferred && knexRoots.includes(preferred) ? preferred : knexRoots.length === 1 ? knexRoots[0] : undefined;
  if (!root && knexRoots.length > 1) {
    const picked = await vscode.window.showQuickPick(
      knexRoots.map((r) => ({ label: rootFolderLabel(r), description: rootView(r).description, root: r })),
      { title: 'Migration Guard: environment of which project?' },
    );
    root = picked?.root;
    if (!root) return;
  }
  if (!root) {
    void vscode.window.showInformationMessage('Migration Guard: no Knex project with environments in this workspace.');
    return;
  }
  const target: EngineTarget = root.target;
  const config = vscode.workspace.getConfiguration('migrationGuard', target.folder.uri);
  const current = root.state.kind === 'knex' ? root.state.status.project.environment : config.get<string>('environment', '');
  const protectedEnvs = new Set(root.state.kind === 'knex' ? root.state.status.project.protectedEnvironments ?? [] : []);
  const envs = environmentChoices(root);
  type Item = vscode.QuickPickItem & { env: string };
  const items: Item[] = envs.map((env) => ({
    label: `${protectedEnvs.has(env) ? '$(warning)' : '$(server-environment)'} ${env}`,
    description: [env === current ? 'current' : undefined, protectedEnvs.has(env) ? 'protected: writes ask for the database name' : undefined].filter(Boolean).join(' · '),
    env,
  }));
  items.push({ label: '$(discard) Default', description: 'NODE_ENV, else development (clears the setting)', env: '' });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Migration Guard: Select Environment (${rootFolderLabel(root)})`,
    placeHolder: `Knex environment for ${target.folder.name}; now ${current ?? 'default'}`,
  });
  if (!picked) return;
  // The workspace folder's setting: the CLI flags of every command in this folder follow it (engine.ts), so the
  // view, the status bar and Upgrade agree on the database.
  await config.update('environment', picked.env || undefined, vscode.ConfigurationTarget.WorkspaceFolder);
  tree.refreshNow();
}

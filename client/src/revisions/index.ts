/**
 * The Revisions view, its two status-bar items and the environment picker, registered in one call from
 * extension.ts. The view shows every project of every workspace folder as the status store read them (one read per
 * project and environment, shared with the CodeLens, badges and file guard), and the store reads again, debounced,
 * when the environment or another Migration Guard setting, a knexfile, an alembic.ini or a migration file changes,
 * when folders or trust change, and at once after every command (through `refresh`).
 */
import * as vscode from 'vscode';
import type { EngineTarget } from '../engine';
import type { StatusStore } from '../status-store';
import { summarizeProjectState } from '../status-summary';
import { rootFolderLabel, rootView } from './model';
import { focusedRoot, rootContaining, type LoadedRoot } from './projects';
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
 * Registers the view, the status-bar items, `migrationGuard.selectEnvironment` and the watchers; disposed with
 * `context`. The view and the status bar read through `store` (one read per project and environment, shared with
 * the CodeLens, badges and file guard); the watchers here refresh the store, debounced. Knex roots show the drift
 * of their last Validate from `validations` (redrawn when it changes; the view never runs Validate).
 */
export function registerRevisions(context: vscode.ExtensionContext, store: StatusStore, validations: ValidationStore, onProjectCodeChange: () => void = () => undefined): Revisions {
  let roots: LoadedRoot[] = [];
  // A configuration file, folder, trust or setting change may move a project: look for projects again.
  const rediscover = (delayMs = 300) => store.invalidate(delayMs, true);

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

  // The status bar follows the shared read even while the view is hidden (the read is the store's: no extra engine call).
  const followStore = () =>
    void store.roots().then((loaded) => {
      roots = loaded ?? [];
      showFocused();
    });
  const first = setTimeout(followStore, 0);
  context.subscriptions.push({ dispose: () => clearTimeout(first) });

  const tree = new RevisionTreeProvider(
    () => store.roots(),
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
    vscode.commands.registerCommand('migrationGuard.selectEnvironment', (node?: { root?: LoadedRoot }) => selectEnvironment(roots, node?.root ?? focusedRoot(roots, vscode.window.activeTextEditor?.document.uri))),
    vscode.window.onDidChangeActiveTextEditor(showFocused),
    store.onDidChange(() => {
      tree.refreshNow();
      followStore();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => rediscover(0)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => rediscover(0)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // Only the knexfile setting changes which projects there are; the others (environment, timeout) change the state.
      if (e.affectsConfiguration('migrationGuard.knexfile')) rediscover();
      else if (e.affectsConfiguration('migrationGuard')) store.invalidate(300);
    }),
  );

  const watch = (pattern: string, onEvent: () => void) => {
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    context.subscriptions.push(watcher, watcher.onDidCreate(onEvent), watcher.onDidChange(onEvent), watcher.onDidDelete(onEvent));
  };
  // Configuration files: any change may move a project or its migrations folder (discovery reads them). A knexfile
  // or package.json change also calls onProjectCodeChange (the engine host starts afresh: nothing the old knexfile
  // set on a loaded package is kept), and so does a lock file's (the packages it loaded may have changed).
  for (const pattern of ['**/alembic.ini', '**/.migration-guard.json']) watch(pattern, () => rediscover());
  for (const pattern of ['**/{knexfile,knexfile.*}', '**/package.json']) {
    watch(pattern, () => {
      onProjectCodeChange();
      rediscover();
    });
  }
  watch('**/{package-lock.json,yarn.lock,pnpm-lock.yaml,npm-shrinkwrap.json}', onProjectCodeChange);
  // Migration files: an edit changes the state (edited after it ran); a new or deleted file may also make or end a folder.
  for (const pattern of ['**/migrations/**', '**/versions/**/*.py', '**/*.sql']) {
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    context.subscriptions.push(watcher, watcher.onDidCreate(() => rediscover()), watcher.onDidChange(() => store.invalidate(300)), watcher.onDidDelete(() => rediscover()));
  }

  return {
    refresh: (again = false) => store.invalidate(0, again),
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
async function selectEnvironment(roots: readonly LoadedRoot[], preferred: LoadedRoot | undefined): Promise<void> {
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
  // The setting's change event reads again (index.ts onDidChangeConfiguration): one read, not two.
  await config.update('environment', picked.env || undefined, vscode.ConfigurationTarget.WorkspaceFolder);
}

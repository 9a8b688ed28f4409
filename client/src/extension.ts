/**
 * Extension entry: one output channel, the language client (its own lifetime), the revision tree,
 * the status bar item and the palette commands. Engine work runs in a child process (engine.ts).
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { commands, SERVER_EXEC_ARGV, type StatusResult } from '../../server/src/protocol';
import {
  backupCommand,
  downgradeCommand,
  markCommand,
  newMigrationCommand,
  previewCommand,
  restoreCommand,
  unlockCommand,
  upgradeCommand,
  validateCommand,
  type CommandContext,
  type MigrationNodeArgument,
} from './commands';
import { registerMigrationCodeLens } from './codelens';
import { DatabaseFileGuard } from './db-file-guard';
import { openDemoCommand } from './demo';
import { registerMigrationDecorations } from './decorations';
import { Engine, EngineError, type EngineTarget } from './engine';
import { PreviewDocuments } from './preview-documents';
import { StatusStore } from './status-store';
import { summarizeStatus } from './status-summary';
import { RevisionTreeProvider } from './tree';

let client: LanguageClient | undefined;

/** Picks the workspace folder to act on: the only one, the active editor's, or the user's choice. */
async function pickTarget(): Promise<EngineTarget | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('Migration Guard: open a folder that holds your knexfile or migrations first.');
    return undefined;
  }
  if (folders.length === 1) return { folder: folders[0] };
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeFolder = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  if (activeFolder) return { folder: activeFolder };
  const folder = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder whose database to use' });
  return folder ? { folder } : undefined;
}

function startLanguageClient(context: vscode.ExtensionContext, output: vscode.OutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV] } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6019'] } },
  };
  // .migration-guard.json changes reach the server as didChangeWatchedFiles; it re-reads and re-analyzes.
  const configWatcher = vscode.workspace.createFileSystemWatcher('**/.migration-guard.json');
  context.subscriptions.push(configWatcher);
  const clientOptions: LanguageClientOptions = {
    synchronize: { fileEvents: configWatcher },
    documentSelector: [
      { scheme: 'file', language: 'sql' },
      { scheme: 'file', language: 'javascript' },
      { scheme: 'file', language: 'typescript' },
      { scheme: 'file', language: 'python' },
    ],
    outputChannel: output,
  };
  return new LanguageClient('migrationGuard', 'Migration Guard', serverOptions, clientOptions);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Migration Guard');
  context.subscriptions.push(output);
  const engine = new Engine(context.asAbsolutePath('dist/cli.js'), (line) => output.appendLine(line));

  const statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  // The Revisions view shows the state, or the error with Retry and Show Output.
  statusItem.command = 'workbench.view.extension.migrationGuard';
  context.subscriptions.push(statusItem);
  const showStatus = (status: StatusResult | Error | undefined) => {
    if (!status) {
      statusItem.hide();
      return;
    }
    const summary = summarizeStatus(status);
    statusItem.text = summary.text;
    statusItem.tooltip = summary.tooltip;
    statusItem.backgroundColor =
      summary.level === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : summary.level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    statusItem.show();
  };

  // One status read per folder, shared by the tree, the CodeLens, the Explorer badges and the database file guard.
  const store = new StatusStore(engine, (line) => output.appendLine(line));
  const previews = new PreviewDocuments();
  context.subscriptions.push(store, previews);

  const tree = new RevisionTreeProvider(async () => {
    if (!vscode.workspace.isTrusted) return undefined;
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) return undefined;
    const active = vscode.window.activeTextEditor?.document.uri;
    const folder = (active && vscode.workspace.getWorkspaceFolder(active)) || folders[0];
    const status = await store.get(folder);
    if (status === undefined || status instanceof Error) return status;
    // Another runner's project (Alembic, node-pg-migrate, plain SQL): the tree and the status bar show Knex state only.
    if ('runner' in status) return new EngineError(`${folder.name} is a ${status.runner} project; the Revisions view shows Knex projects.`, 'not-knex-project', 'Run `migration-guard status` in a terminal for its state.');
    return status;
  }, showStatus);
  context.subscriptions.push(tree, vscode.window.registerTreeDataProvider('migrationGuard.revisions', tree));

  const ctx: CommandContext = { engine, output, pickTarget, refresh: () => store.invalidate(), previews };
  context.subscriptions.push(store.onDidChange(() => tree.refresh()));
  context.subscriptions.push(
    vscode.commands.registerCommand('migrationGuard.upgrade', () => upgradeCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.upgradeOne', () => upgradeCommand(ctx, { kind: 'step', step: 1 })),
    vscode.commands.registerCommand('migrationGuard.upgradeTo', (node?: MigrationNodeArgument) =>
      node ? upgradeCommand(ctx, { kind: 'to', name: node.entry.name }) : upgradeCommand(ctx),
    ),
    vscode.commands.registerCommand('migrationGuard.downgrade', () => downgradeCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.downgradeTo', (node?: MigrationNodeArgument) => downgradeCommand(ctx, node?.entry.name)),
    vscode.commands.registerCommand('migrationGuard.preview', (node?: MigrationNodeArgument) =>
      previewCommand(ctx, node?.kind === 'migration' ? { kind: 'to', name: node.entry.name } : { kind: 'latest' }),
    ),
    vscode.commands.registerCommand('migrationGuard.restore', () => restoreCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.unlock', () => unlockCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.markApplied', (node?: MigrationNodeArgument) => markCommand(ctx, node, commands.markApplied)),
    vscode.commands.registerCommand('migrationGuard.unmark', (node?: MigrationNodeArgument) => markCommand(ctx, node, commands.unmark)),
    vscode.commands.registerCommand('migrationGuard.newMigration', () => newMigrationCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.backup', () => backupCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.validate', () => validateCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.refresh', () => store.invalidate()),
    vscode.commands.registerCommand('migrationGuard.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('migrationGuard.openDemo', () => openDemoCommand(context, engine)),
    vscode.commands.registerCommand('migrationGuard.openMigration', (uri: vscode.Uri) => vscode.window.showTextDocument(uri)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => store.invalidate()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => store.invalidate()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('migrationGuard') && store.invalidate(300)),
    registerMigrationCodeLens(store),
    registerMigrationDecorations(store),
    new DatabaseFileGuard(store, ctx),
  );

  // Migration files appearing, changing or disappearing change the status.
  const watcher = vscode.workspace.createFileSystemWatcher('**/{migrations/**,knexfile.*}');
  // Debounced: a checkout or a formatter touches many files at once; one status read answers them.
  const changed = () => store.invalidate(300);
  context.subscriptions.push(watcher, watcher.onDidCreate(changed), watcher.onDidDelete(changed), watcher.onDidChange(changed));

  client = startLanguageClient(context, output);
  try {
    await client.start();
  } catch (error) {
    output.appendLine(`Migration Guard language server failed to start: ${error instanceof Error ? error.message : String(error)}`);
    void vscode.window.showErrorMessage('Migration Guard: the language server failed to start. See the Migration Guard output.');
  }
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

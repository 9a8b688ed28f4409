/**
 * Extension entry: one output channel, the language client (its own lifetime), the revision tree,
 * the status bar item and the palette commands. Engine work runs in a child process (engine.ts).
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { commands, SERVER_EXEC_ARGV } from '../../server/src/protocol';
import {
  backupCommand,
  downgradeCommand,
  markCommand,
  newMigrationCommand,
  previewCommand,
  previewDowngradeCommand,
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
import { Engine, type EngineTarget } from './engine';
import { PreviewDocuments } from './preview-documents';
import { registerRevisions, type Revisions, type RootNodeArgument } from './revisions';
import { copyCliCommand, copyMigrationName, openMigration, revealMigration, type NodeOrUri } from './revisions/node-commands';
import { StatusStore } from './status-store';
import { ValidationStore } from './validate-store';

let client: LanguageClient | undefined;

/**
 * Picks the project to act on: the Knex project of the active editor (or the only one) as the Revisions view found
 * it; else the workspace folder: the only one, the active editor's, or the user's choice.
 */
async function pickTarget(revisions: Revisions): Promise<EngineTarget | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('Migration Guard: open a folder that holds your knexfile or migrations first.');
    return undefined;
  }
  const project = await revisions.pickKnexProject();
  if (project !== undefined) return project ?? undefined;
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
  context.subscriptions.push(engine);

  // One read of every project's state per refresh, shared by the Revisions view, the status bar, the CodeLens, the
  // Explorer badges and the database file guard (StatusStore); registerRevisions watches the files that change it.
  const store = new StatusStore(engine, (line) => output.appendLine(line));
  const previews = new PreviewDocuments();
  // The last Validate of each project: the Validate command fills it, the Revisions view draws its drift badge from it.
  const validations = new ValidationStore();
  context.subscriptions.push(store, previews, validations);
  const revisions = registerRevisions(context, store, validations, () => engine.restartHost());
  const refresh = () => revisions.refresh();
  const ctx: CommandContext = { engine, output, pickTarget: () => pickTarget(revisions), refresh, previews, validations };
  context.subscriptions.push(
    vscode.commands.registerCommand('migrationGuard.upgrade', () => upgradeCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.upgradeOne', () => upgradeCommand(ctx, { kind: 'step', step: 1 })),
    vscode.commands.registerCommand('migrationGuard.upgradeTo', (node?: MigrationNodeArgument) =>
      node ? upgradeCommand(ctx, { kind: 'to', name: node.entry.name }, node.target) : upgradeCommand(ctx),
    ),
    vscode.commands.registerCommand('migrationGuard.downgrade', () => downgradeCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.downgradeTo', (node?: MigrationNodeArgument) => downgradeCommand(ctx, node?.entry.name, node?.target)),
    vscode.commands.registerCommand('migrationGuard.preview', (node?: MigrationNodeArgument) =>
      // An applied node's Preview shows the down()s of its Downgrade to Here; a pending one's, the upgrade up to it.
      node?.kind === 'migration' && (node.entry.state === 'applied' || node.entry.state === 'edited')
        ? previewDowngradeCommand(ctx, node.entry.name, node.target)
        : previewCommand(ctx, node?.kind === 'migration' ? { kind: 'to', name: node.entry.name } : { kind: 'latest' }, node?.target),
    ),
    vscode.commands.registerCommand('migrationGuard.restore', () => restoreCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.unlock', () => unlockCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.markApplied', (node?: MigrationNodeArgument) => markCommand(ctx, node, commands.markApplied)),
    vscode.commands.registerCommand('migrationGuard.unmark', (node?: MigrationNodeArgument) => markCommand(ctx, node, commands.unmark)),
    vscode.commands.registerCommand('migrationGuard.newMigration', () => newMigrationCommand(ctx)),
    vscode.commands.registerCommand('migrationGuard.backup', () => backupCommand(ctx)),
    // From a Knex root of the Revisions view (inline action): that project; from the palette or the view's menu: the picked one.
    vscode.commands.registerCommand('migrationGuard.validate', (node?: RootNodeArgument) => validateCommand(ctx, node?.kind === 'root' ? node.root.target : undefined)),
    vscode.commands.registerCommand('migrationGuard.refresh', () => revisions.refresh(true)),
    vscode.commands.registerCommand('migrationGuard.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('migrationGuard.openDemo', () => openDemoCommand(context, engine)),
    vscode.commands.registerCommand('migrationGuard.openMigration', (arg?: NodeOrUri) => openMigration(arg)),
    vscode.commands.registerCommand('migrationGuard.copyMigrationName', (node?: MigrationNodeArgument) => copyMigrationName(node)),
    vscode.commands.registerCommand('migrationGuard.copyCliCommand', (node?: MigrationNodeArgument) => copyCliCommand(node)),
    vscode.commands.registerCommand('migrationGuard.revealMigration', (node?: MigrationNodeArgument) => revealMigration(node, (line) => output.appendLine(line))),
    registerMigrationCodeLens(store),
    registerMigrationDecorations(store),
    new DatabaseFileGuard(store, ctx),
  );

  client = startLanguageClient(context, output);
  // Not awaited: activation ends once everything is registered, without waiting for the server process to start and
  // answer `initialize` (bench/activation.ts: that wait was most of the activation time). Diagnostics come when it is up.
  client.start().catch((error: unknown) => {
    output.appendLine(`Migration Guard language server failed to start: ${error instanceof Error ? error.message : String(error)}`);
    void vscode.window.showErrorMessage('Migration Guard: the language server failed to start. See the Migration Guard output.');
  });
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

/**
 * The Revisions view's migration-node commands that only read: Open, Copy Name, Copy CLI Command (node-actions.ts
 * builds the line) and Reveal in Explorer. The moving ones (Preview, Upgrade to Here, Downgrade to Here, Mark as
 * Applied, Unmark) are commands.ts's, with their plan modal, consent and backup.
 */
import * as vscode from 'vscode';
import type { MigrationNodeArgument } from '../commands';
import { revealActions } from '../reveal-actions';
import { cliCommand } from './node-actions';

/** A node, or the file URI the tree row's click and the older callers pass. */
export type NodeOrUri = MigrationNodeArgument | vscode.Uri | undefined;

function fileOf(arg: NodeOrUri): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  return arg?.entry.file ? vscode.Uri.file(arg.entry.file) : undefined;
}

/** Migration Guard: Open Migration — the node's file (or the URI given) in an editor. */
export async function openMigration(arg: NodeOrUri): Promise<void> {
  const uri = fileOf(arg);
  if (uri) await vscode.window.showTextDocument(uri);
}

/** Copy Name: the migration's name as Knex records it (`20240105090000_create_users.js`). */
export async function copyMigrationName(node: MigrationNodeArgument | undefined): Promise<void> {
  if (!node) return;
  await vscode.env.clipboard.writeText(node.entry.name);
  vscode.window.setStatusBarMessage(`Migration Guard: copied ${node.entry.name}`, 3000);
}

/** Copy CLI Command: the `migration-guard …` line that does the node's main action for its project (node-actions.ts). */
export async function copyCliCommand(node: MigrationNodeArgument | undefined): Promise<void> {
  if (!node) return;
  const folder = node.target?.folder ?? (node.entry.file ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(node.entry.file)) : undefined);
  if (!folder) {
    void vscode.window.showInformationMessage('Migration Guard: use this from a migration in the Revisions view.');
    return;
  }
  const config = vscode.workspace.getConfiguration('migrationGuard', folder.uri);
  const knexfile = node.target?.project ? node.target.project.knexfile : config.get<string>('knexfile', '') || undefined;
  const line = cliCommand(node.entry.state, node.entry.name, {
    folder: folder.uri.fsPath,
    root: node.target?.project?.root ?? folder.uri.fsPath,
    ...(knexfile ? { knexfile } : {}),
    environment: config.get<string>('environment', ''),
  });
  await vscode.env.clipboard.writeText(line);
  void vscode.window.showInformationMessage(`Migration Guard: copied \`${line}\` (run it in a terminal at ${folder.name}).`);
}

/**
 * Reveal in Explorer: the file in the Explorer when it is in the workspace (`revealInExplorer` exists in every
 * window); otherwise, or when the reveal fails, its path is copied instead (reveal-actions.ts).
 */
export async function revealMigration(node: MigrationNodeArgument | undefined, log: (line: string) => void): Promise<void> {
  const uri = fileOf(node);
  if (!uri) return;
  const [first] = revealActions({ desktop: vscode.env.uiKind === vscode.UIKind.Desktop, remoteName: vscode.env.remoteName, inWorkspace: vscode.workspace.getWorkspaceFolder(uri) !== undefined });
  if (first?.command === 'revealInExplorer') {
    try {
      await vscode.commands.executeCommand('revealInExplorer', uri);
      return;
    } catch (error) {
      log(`Reveal in Explorer failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await vscode.env.clipboard.writeText(uri.fsPath);
  void vscode.window.showInformationMessage(`Migration Guard: the file is not in the Explorer; its path was copied: ${uri.fsPath}`);
}

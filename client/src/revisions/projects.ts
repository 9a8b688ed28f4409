/**
 * Which root a file or the active editor belongs to. The roots themselves are read by load.ts (through the status
 * store: every call goes to the engine process; nothing here reads a file or a database).
 */
import * as vscode from 'vscode';
import type { LoadedRoot } from './load';

export { targetOf, type LoadedRoot } from './load';

/** The root whose project folder holds `uri` (the deepest when projects nest); undefined when none does. */
export function rootContaining(roots: readonly LoadedRoot[], uri: vscode.Uri): LoadedRoot | undefined {
  if (uri.scheme !== 'file') return undefined;
  const file = uri.fsPath;
  return roots
    .filter((r) => r.project && (file === r.project.root || file.startsWith(r.project.root.endsWith('/') ? r.project.root : `${r.project.root}/`)))
    .sort((a, b) => b.project!.root.length - a.project!.root.length)[0];
}

/**
 * The root the status bar shows: the one whose project folder holds the active editor's file (the deepest), else
 * the first root of the active editor's workspace folder, else the first root.
 */
export function focusedRoot(roots: readonly LoadedRoot[], active: vscode.Uri | undefined): LoadedRoot | undefined {
  if (active && active.scheme === 'file') {
    const inside = rootContaining(roots, active);
    if (inside) return inside;
    const folder = vscode.workspace.getWorkspaceFolder(active);
    const first = folder && roots.find((r) => r.folderPath === folder.uri.fsPath);
    if (first) return first;
  }
  return roots[0];
}

/** The root a file belongs to: the project holding it, else the first root of its workspace folder. */
export function rootOfFile(roots: readonly LoadedRoot[], uri: vscode.Uri): LoadedRoot | undefined {
  const inside = rootContaining(roots, uri);
  if (inside) return inside;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder ? roots.find((r) => r.folderPath === folder.uri.fsPath) : undefined;
}

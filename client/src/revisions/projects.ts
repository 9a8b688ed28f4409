/**
 * Loads the Revisions view's roots: `projects --json` in every workspace folder, then `status --json` for each
 * project found (Knex with its own knexfile, other runners read-only). A folder where nothing is found is read as
 * before (`status` in the folder: the `migrationGuard.knexfile` setting, `DATABASE_URL`, the embedded default), so
 * its error or state still shows. Every call goes to the engine process; nothing here reads a file or a database.
 */
import * as vscode from 'vscode';
import { commands, type DiscoveredProject } from '../../../server/src/protocol';
import { EngineError, type Engine, type EngineTarget } from '../engine';
import type { ProjectRoot, ProjectState } from './model';

/** A root with the target its engine commands run on. */
export interface LoadedRoot extends ProjectRoot {
  target: EngineTarget;
}

/** Runs `work` over `items` with at most `limit` at a time (each call is a Node process; the machine may have 2 cores). */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  });
  await Promise.all(runners);
  return out;
}

function asError(error: unknown): ProjectState {
  if (error instanceof EngineError) return { kind: 'error', error: { message: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}), ...(error.environments ? { environments: error.environments } : {}) } };
  return { kind: 'error', error: { message: error instanceof Error ? error.message : String(error), code: 'unknown' } };
}

/** The state of one target, as the engine answers `status --json`. */
async function readState(engine: Engine, target: EngineTarget, log: (line: string) => void): Promise<ProjectState> {
  try {
    const status = await engine.run(commands.status, {}, target);
    if ('runner' in status) return status.runner === 'alembic' ? { kind: 'alembic', state: status } : { kind: 'folder', state: status };
    return { kind: 'knex', status };
  } catch (error) {
    log(`status failed (${target.project?.root ?? target.folder.uri.fsPath}): ${error instanceof Error ? error.message : String(error)}`);
    return asError(error);
  }
}

/** The target a discovered project's commands run on: its folder, and for Knex its knexfile. */
export function targetOf(folder: vscode.WorkspaceFolder, project: DiscoveredProject): EngineTarget {
  return { folder, project: { root: project.root, ...(project.runner === 'knex' && project.config ? { knexfile: project.config } : {}) } };
}

/**
 * Every root of every workspace folder, in folder order, then as `projects --json` sorts them. `discovery` keeps
 * each folder's `projects --json` answer between reads (the caller clears it when a configuration file or a folder
 * appears, changes or goes), so a refresh after a command costs one `status` per project.
 */
export async function loadRoots(engine: Engine, log: (line: string) => void, discovery: Map<string, DiscoveredProject[]>): Promise<LoadedRoot[]> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const perFolder = await pool(folders, 2, async (folder) => {
    const base = { folderName: folder.name, folderPath: folder.uri.fsPath, folderCount: folders.length };
    let projects: DiscoveredProject[];
    try {
      projects = discovery.get(folder.uri.fsPath) ?? (await engine.runTool(commands.projects, { cwd: folder.uri.fsPath }, folder.uri.fsPath)).projects;
      discovery.set(folder.uri.fsPath, projects);
    } catch (error) {
      log(`projects failed (${folder.uri.fsPath}): ${error instanceof Error ? error.message : String(error)}`);
      return [{ ...base, project: undefined, target: { folder }, state: asError(error) }];
    }
    const roots: Omit<LoadedRoot, 'state'>[] = projects.map((project) => ({ ...base, project, target: targetOf(folder, project) }));
    // The setting names a knexfile discovery does not list (another file name): read it as before, in the folder.
    const setting = vscode.workspace.getConfiguration('migrationGuard', folder.uri).get<string>('knexfile', '');
    const settingListed = setting && projects.some((p) => p.runner === 'knex' && p.config && vscode.Uri.file(p.config).fsPath === vscode.Uri.joinPath(folder.uri, setting).fsPath);
    if (roots.length === 0 || (setting && !settingListed)) roots.unshift({ ...base, project: undefined, target: { folder } });
    return roots;
  });
  const all = perFolder.flat();
  const states = await pool(all, 2, (root) => readState(engine, root.target, log));
  return all.map((root, i) => ({ ...root, state: states[i]! }));
}

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

/**
 * Reading every root of the workspace, behind an injected {@link StateReader} (the engine in the extension, a fake
 * in test/unit/status-reads.test.ts), and sharing one read between every reader of the state (no `vscode` import
 * at run time, so it is unit-tested): `projects --json` per workspace folder (kept until a configuration file
 * changes), then one `status --json` per project for the folder's environment. The Revisions view, the status bar,
 * the CodeLens, the Explorer badges and the database file guard all ask {@link SharedRoots}, so one refresh costs one
 * engine read per project and environment however many of them ask.
 */
import path from 'node:path';
import type { DiscoveredProject, OtherRunnerState, StatusResult } from '../../../server/src/protocol';
import type { EngineTarget } from '../engine';
import type { ProjectError, ProjectRoot, ProjectState } from './model';

/** A root with the target its engine commands run on. */
export interface LoadedRoot extends ProjectRoot {
  target: EngineTarget;
}

/** The engine, as the loader sees it: `projects --json` in a folder, `status --json` on a target. */
export interface StateReader {
  projects(folder: EngineTarget['folder']): Promise<DiscoveredProject[]>;
  status(target: EngineTarget): Promise<StatusResult | OtherRunnerState>;
}

/** What the loader needs of the workspace. */
export interface Workspace {
  /** The workspace folders, in order. */
  folders: readonly EngineTarget['folder'][];
  /** The folder's `migrationGuard.knexfile` setting ('' when unset). */
  knexfileSetting(folder: EngineTarget['folder']): string;
  log(line: string): void;
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

/** An engine failure (engine.ts `EngineError`: message, code, hint, environments) or any other thrown value, as an error state. */
export function errorState(error: unknown): ProjectState {
  const e = error as Partial<ProjectError> | null;
  if (error instanceof Error && typeof e?.code === 'string') {
    return { kind: 'error', error: { message: error.message, code: e.code, ...(e.hint ? { hint: e.hint } : {}), ...(e.environments ? { environments: e.environments } : {}) } };
  }
  return { kind: 'error', error: { message: error instanceof Error ? error.message : String(error), code: 'unknown' } };
}

/** The target a discovered project's commands run on: its folder, and for Knex its knexfile. */
export function targetOf(folder: EngineTarget['folder'], project: DiscoveredProject): EngineTarget {
  return { folder, project: { root: project.root, ...(project.runner === 'knex' && project.config ? { knexfile: project.config } : {}) } };
}

/** The state of one target, as the engine answers `status --json`; a failure is an error state (logged). */
async function readState(reader: StateReader, target: EngineTarget, log: (line: string) => void): Promise<ProjectState> {
  try {
    const status = await reader.status(target);
    if ('runner' in status) return status.runner === 'alembic' ? { kind: 'alembic', state: status } : { kind: 'folder', state: status };
    return { kind: 'knex', status };
  } catch (error) {
    log(`status failed (${target.project?.root ?? target.folder.uri.fsPath}): ${error instanceof Error ? error.message : String(error)}`);
    return errorState(error);
  }
}

/**
 * Every root of every workspace folder, in folder order, then as `projects --json` sorts them. `discovery` keeps
 * each folder's `projects --json` answer between reads (the caller clears it when a configuration file or a folder
 * appears, changes or goes), so a refresh after a command costs one `status` per project. A folder where nothing is
 * found, or whose `migrationGuard.knexfile` setting names a file discovery does not list, is also read as a whole
 * (`status` in the folder: the setting, `DATABASE_URL`, the embedded default), so its error or state still shows.
 */
export async function loadRoots(workspace: Workspace, reader: StateReader, discovery: Map<string, DiscoveredProject[]>): Promise<LoadedRoot[]> {
  const { folders } = workspace;
  const perFolder = await pool(folders, 2, async (folder) => {
    const base = { folderName: folder.name, folderPath: folder.uri.fsPath, folderCount: folders.length };
    let projects: DiscoveredProject[];
    try {
      projects = discovery.get(folder.uri.fsPath) ?? (await reader.projects(folder));
      discovery.set(folder.uri.fsPath, projects);
    } catch (error) {
      workspace.log(`projects failed (${folder.uri.fsPath}): ${error instanceof Error ? error.message : String(error)}`);
      // Read as a whole below (`status` in the folder), as when nothing is found.
      return [{ ...base, project: undefined, target: { folder } }];
    }
    const roots: Omit<LoadedRoot, 'state'>[] = projects.map((project) => ({ ...base, project, target: targetOf(folder, project) }));
    const setting = workspace.knexfileSetting(folder);
    const settingListed = setting && projects.some((p) => p.runner === 'knex' && p.config && path.resolve(p.config) === path.resolve(folder.uri.fsPath, setting));
    if (roots.length === 0 || (setting && !settingListed)) roots.unshift({ ...base, project: undefined, target: { folder } });
    return roots;
  });
  const all = perFolder.flat();
  const states = await pool(all, 2, (root) => readState(reader, root.target, workspace.log));
  return all.map((root, i) => ({ ...root, state: states[i]! }));
}

/**
 * One load of the roots shared by everyone who asks until {@link drop}: the view, the status bar, the CodeLens, the
 * badges and the file guard each call {@link get} and wait for the same promise.
 */
export class SharedRoots {
  private current: Promise<LoadedRoot[] | undefined> | undefined;
  private last: LoadedRoot[] | undefined;

  /** @param load reads every root (undefined: nothing to read, e.g. an untrusted workspace). */
  constructor(private readonly load: () => Promise<LoadedRoot[] | undefined>) {}

  /** The roots of the current load, starting it when there is none. Never rejects when `load` does not. */
  get(): Promise<LoadedRoot[] | undefined> {
    if (!this.current) {
      const started = this.load().then((roots) => {
        if (this.current === started) this.last = roots;
        return roots;
      });
      this.current = started;
    }
    return this.current;
  }

  /** The roots of the last load that finished (undefined before the first). */
  peek(): LoadedRoot[] | undefined {
    return this.last;
  }

  /** Forgets the current load: the next {@link get} reads again. */
  drop(): void {
    this.current = undefined;
  }
}

/**
 * What the Revisions view shows for each project, from the engine's answers as they come (no `vscode` import, so
 * it is unit-tested): the root's label, description and tooltip, the Alembic graph's and a plain folder's rows,
 * relative times, and the hint under an error root. Nothing here decides a migration's state: the engine does
 * (`status --json`, Alembic `state`/`isCurrent`/`isBranchPoint`, a folder's `stateKnown`).
 */
import type { AlembicHistoryResult, AlembicRevision, DiscoveredProject, FolderMigration, FolderStateResult, ProjectRunner, StatusResult } from '../../../server/src/protocol';
import { driftOf, isValid, type ValidationRecord } from '../validate-report';
import { relativeTime } from '../relative-time';

/** An engine failure as the client holds it (engine.ts `EngineError`). */
export interface ProjectError {
  message: string;
  code: string;
  hint?: string;
  /** The knexfile's environments, when the error is an unknown environment. */
  environments?: string[];
}

/** One project of the view and what the engine said about it. */
export type ProjectState =
  | { kind: 'knex'; status: StatusResult }
  | { kind: 'alembic'; state: AlembicHistoryResult }
  | { kind: 'folder'; state: FolderStateResult }
  | { kind: 'error'; error: ProjectError };

/** A root of the view: a discovered project (or, when discovery found none, the workspace folder itself). */
export interface ProjectRoot {
  /** Name of its workspace folder. */
  folderName: string;
  /** Absolute path of its workspace folder. */
  folderPath: string;
  /** What `projects --json` found; undefined for the workspace folder read as today (no project discovered). */
  project: DiscoveredProject | undefined;
  /** How many workspace folders are open (the label names the workspace folder only when there are several). */
  folderCount: number;
  state: ProjectState;
}

/** How a root looks. */
export interface RootView {
  /** Folder, and the environment when there is one: `api · development`. */
  label: string;
  /** Runner and database: `knex · sqlite3 dev.sqlite3`. */
  description: string;
  tooltip: string;
  /** The environment is protected (writes need the database name typed): drawn in red. */
  protected: boolean;
  /** `error`: nothing could be read; `warning`: read, but the state is unknown or needs a look (or the last Validate found drift or problems); `ok`. */
  level: 'ok' | 'warning' | 'error';
  /** What the last Validate of this project said ({@link validationView}); absent when it was never validated in this window. */
  validation?: ValidationView['badge'];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a Knex root shows of the last Validate of its project (folder and environment). */
export interface ValidationView {
  /** `found`: drift items; `problems`: no drift, but other problems; `none`: validated, no drift, no problem; `unknown`: drift not checked; `failed`: Validate failed. */
  badge: 'found' | 'problems' | 'none' | 'unknown' | 'failed';
  /** Added to the root's description (` · drift: 3`); absent when there is nothing to flag. */
  description?: string;
  /** Lines added to the root's tooltip: the verdict with its time, and the first drift items. */
  tooltip: string[];
  level: 'ok' | 'warning';
}

/** How many drift items the root's tooltip lists before "and N more". */
export const TOOLTIP_DRIFT_ITEMS = 5;

/**
 * What the root shows of the last Validate (`record`), as the engine answered it: the drift count in the description
 * and the first items in the tooltip, "no schema drift" only when Validate checked it and found none (with its time);
 * undefined when never validated (nothing is shown: drift is then unknown, and the view does not run Validate itself).
 * @param now ms since the epoch, for the relative time
 */
export function validationView(record: ValidationRecord | undefined, now: number): ValidationView | undefined {
  if (!record) return undefined;
  const when = `${relativeTime(record.at, now)}, ${record.at}`;
  if (record.kind === 'error') {
    return { badge: 'failed', description: 'validate failed', tooltip: [`Validate failed (${when}): ${record.error.message}`, 'Schema drift is unknown.'], level: 'warning' };
  }
  const { result } = record;
  const drift = driftOf(result);
  const problems = result.problems.filter((p) => p.code !== 'drift-unchecked');
  const problemLine = problems.length ? [`Validate also found ${plural(problems.length, 'problem')}: ${problems.map((p) => p.code).join(', ')}.`] : [];
  if (!drift.checked) {
    return { badge: 'unknown', description: 'drift: unknown', tooltip: [`Schema drift unknown (Validate ${when}): ${drift.why}`, ...problemLine], level: 'warning' };
  }
  if (drift.items.length > 0) {
    const shown = drift.items.slice(0, TOOLTIP_DRIFT_ITEMS).map((d) => `  • ${d.table}: ${d.message}`);
    const more = drift.items.length > TOOLTIP_DRIFT_ITEMS ? [`  … and ${drift.items.length - TOOLTIP_DRIFT_ITEMS} more`] : [];
    return {
      badge: 'found',
      description: `drift: ${drift.items.length}`,
      tooltip: [`Schema drift: ${plural(drift.items.length, 'item')} (Validate ${when}):`, ...shown, ...more, ...problemLine, 'Run Validate for the report.'],
      level: 'warning',
    };
  }
  if (!isValid(result)) {
    return { badge: 'problems', description: `validate: ${plural(problems.length, 'problem')}`, tooltip: [`No schema drift, but Validate (${when}) found ${plural(problems.length, 'problem')}: ${problems.map((p) => p.code).join(', ')}.`], level: 'warning' };
  }
  return { badge: 'none', tooltip: [`No schema drift: Validate found none (${when}).`], level: 'ok' };
}

/** `a/b` with `/` separators: the project's folder relative to its workspace folder. */
function relative(from: string, to: string): string {
  const a = from.replace(/\\/g, '/').replace(/\/+$/, '');
  const b = to.replace(/\\/g, '/').replace(/\/+$/, '');
  if (b === a) return '';
  return b.startsWith(`${a}/`) ? b.slice(a.length + 1) : b;
}

/** The root's folder name: the workspace folder (with several open), then the project's folder below it. */
export function rootFolderLabel(root: Pick<ProjectRoot, 'folderName' | 'folderPath' | 'project' | 'folderCount'>): string {
  const below = root.project ? relative(root.folderPath, root.project.root) : '';
  if (!below) return root.folderName;
  return root.folderCount > 1 ? `${root.folderName}/${below}` : below;
}

/** The runner a root's state shows (the discovered one, else what the engine answered). */
export function runnerOf(root: Pick<ProjectRoot, 'project' | 'state'>): ProjectRunner {
  if (root.project) return root.project.runner;
  if (root.state.kind === 'alembic') return 'alembic';
  if (root.state.kind === 'folder') return root.state.state.runner;
  return 'knex';
}

/**
 * The root's label, description, tooltip, protection and level; a Knex root also shows its last Validate
 * (`validation`, see {@link validationView}).
 * @param now ms since the epoch, for the Validate's relative time
 */
export function rootView(root: ProjectRoot, validation?: ValidationRecord, now: number = Date.now()): RootView {
  const folder = rootFolderLabel(root);
  const runner = runnerOf(root);
  const where = root.project?.config ?? root.project?.migrationsDirectory ?? root.folderPath;
  const { state } = root;
  if (state.kind === 'knex') {
    const p = state.status.project;
    const env = p.environment;
    const database = `${p.client} ${p.databaseName ?? p.connection}`;
    const prot = p.protected === true;
    const lines = [
      `${folder}: Knex project`,
      `Environment: ${env ?? '(not keyed by environment)'}${prot ? ' (protected: writes need the database name typed)' : ''}`,
      `Database: ${p.client} ${p.connection}`,
      `Knexfile: ${p.knexfile ?? p.source}`,
      `Migrations: ${p.migrationDirectories.join(', ')}`,
    ];
    const view: RootView = { label: env ? `${folder} · ${env}` : folder, description: `knex · ${database}`, tooltip: lines.join('\n'), protected: prot, level: 'ok' };
    const validated = validationView(validation, now);
    if (!validated) return view;
    return {
      ...view,
      description: validated.description ? `${view.description} · ${validated.description}` : view.description,
      tooltip: [view.tooltip, '', ...validated.tooltip].join('\n'),
      level: validated.level,
      validation: validated.badge,
    };
  }
  if (state.kind === 'alembic') {
    const s = state.state;
    const database = s.database ?? 'database unknown';
    const lines = [`${folder}: Alembic project`, `Database: ${database}`, `Config: ${s.config}`, `Versions: ${s.versionLocations.join(', ')}`];
    if (s.current === null) lines.push(`State unknown: ${s.currentUnknownReason ?? 'the database was not read'}`);
    const level = s.current === null || s.heads.length > 1 || s.problems.length > 0 ? 'warning' : 'ok';
    return { label: folder, description: `alembic · ${database}`, tooltip: lines.join('\n'), protected: false, level };
  }
  if (state.kind === 'folder') {
    const s = state.state;
    const tool = s.runner === 'sql' ? s.flavor ?? 'sql' : s.runner;
    const database = s.database ?? 'no database';
    const lines = [`${folder}: ${tool} migrations`, `Database: ${database}`, `Folder: ${s.migrationsDirectory}`, `Table: ${s.table}`];
    if (!s.stateKnown) lines.push(`State unknown: ${s.stateUnknownReason ?? 'the database was not read'}`);
    const level = s.problems.some((p) => p.severity === 'error') ? 'error' : !s.stateKnown || s.problems.length > 0 ? 'warning' : 'ok';
    return { label: folder, description: `${tool} · ${database}`, tooltip: lines.join('\n'), protected: false, level };
  }
  return {
    label: folder,
    description: `${runner} · error`,
    tooltip: `${folder} (${where}): ${state.error.message}${state.error.hint ? `\n${state.error.hint}` : ''}`,
    protected: false,
    level: 'error',
  };
}

/**
 * The next step under an error root, naming the editor setting or command to use rather than a CLI flag (the
 * engine's own hint, which names flags, stays in the tooltip and the output).
 */
export function errorHint(error: ProjectError): string {
  if (error.code === 'knexfile-load' && error.environments !== undefined) {
    return `Pick one with "Migration Guard: Select Environment" (setting migrationGuard.environment)${error.environments.length ? `: ${error.environments.join(', ')}` : ''}.`;
  }
  if (error.code === 'connection' && /did not answer within|timed out|acquireConnectionTimeout/i.test(error.message)) {
    return 'Check that the database server runs and is reachable from here, or give it longer with the setting migrationGuard.connectTimeout (seconds).';
  }
  switch (error.code) {
    case 'cancelled':
      return 'Reading the state was cancelled. Retry reads it again; for a database that answers slowly, raise the setting migrationGuard.connectTimeout (seconds).';
    case 'knexfile-load':
      return 'Fix the knexfile, or point the setting migrationGuard.knexfile at another one.';
    case 'no-project':
      return 'Set migrationGuard.knexfile to your knexfile (relative to the workspace folder).';
    case 'connection':
    case 'auth':
      return 'Check the connection of the selected environment in the knexfile, or select another with "Migration Guard: Select Environment" (setting migrationGuard.environment).';
    case 'driver-missing':
      return "Install the database driver in the project (npm install sqlite3 or pg), or change the environment's client.";
    case 'usage':
      return 'Check the settings migrationGuard.knexfile and migrationGuard.environment.';
    case 'spawn':
    case 'engine-crash':
    case 'engine-exit':
      return 'See the Migration Guard output for what the engine printed.';
    default:
      return error.hint ?? 'See the Migration Guard output.';
  }
}

/** One row under an Alembic or plain-folder root. */
export interface Row {
  /** Stable id within the root. */
  id: string;
  label: string;
  description: string;
  tooltip: string;
  /** Codicon name. */
  icon: string;
  /** Theme color of the icon, if any. */
  color?: 'error' | 'warning' | 'passed' | 'current';
  /** The file the row opens. */
  file?: string;
}

/** The revision's role in the graph, as words: `head`, `merge of b + c`, `branch point`, `current`. */
function revisionMarks(r: AlembicRevision): string[] {
  const marks: string[] = [];
  if (r.isCurrent) marks.push('current');
  if (r.isHead) marks.push('head');
  if (r.isMerge) marks.push(`merge of ${r.parents.join(' + ')}`);
  if (r.isBranchPoint) marks.push('branch point');
  if (r.branchLabels.length > 0) marks.push(`branch ${r.branchLabels.join(', ')}`);
  return marks;
}

/**
 * Rows of an Alembic root: several heads as a warning naming `alembic merge heads`, the other problems, an unknown
 * current revision, then the revisions in the engine's order (heads first), each with its marks and state.
 */
export function alembicRows(s: AlembicHistoryResult): Row[] {
  const rows: Row[] = [];
  if (s.heads.length > 1) {
    rows.push({
      id: 'heads',
      label: `${plural(s.heads.length, 'head')}: run alembic merge heads`,
      description: s.heads.join(', '),
      tooltip: `${plural(s.heads.length, 'head')} (${s.heads.join(', ')}): \`alembic upgrade head\` fails until they are merged. Run \`alembic merge heads -m "merge"\` to create the merge revision.`,
      icon: 'warning',
      color: 'warning',
    });
  }
  s.problems.forEach((p, i) => {
    if (s.heads.length > 1 && /\d+ heads \(/.test(p)) return; // said by the row above
    rows.push({ id: `problem:${i}`, label: p, description: '', tooltip: p, icon: 'error', color: 'error' });
  });
  if (s.current === null) {
    const why = s.currentUnknownReason ?? 'the database was not read';
    rows.push({ id: 'unknown', label: 'State unknown', description: why, tooltip: `Which revisions are applied is unknown: ${why}`, icon: 'question', color: 'warning' });
  } else if (s.current.length === 0) {
    rows.push({ id: 'empty', label: 'Nothing applied yet', description: 'no alembic_version rows', tooltip: 'The database is reachable and has no alembic_version rows: no revision is applied.', icon: 'info' });
  }
  for (const r of s.revisions) {
    const marks = revisionMarks(r);
    const state = r.state === 'unknown' ? 'state unknown' : r.state;
    const label = r.message || r.id;
    const tooltip = [
      `${r.id}${r.message ? ` — ${r.message}` : ''}`,
      `State: ${state}${r.isCurrent ? ' (the database is at this revision)' : ''}`,
      `Parents: ${r.parents.length ? r.parents.join(', ') : '(base)'}`,
      ...(marks.length ? [`Marks: ${marks.join(', ')}`] : []),
      `File: ${r.file}`,
    ].join('\n');
    const icon = r.isCurrent ? 'target' : r.isMerge ? 'git-merge' : r.isBranchPoint ? 'repo-forked' : r.state === 'applied' ? 'pass-filled' : r.state === 'pending' ? 'circle-large-outline' : 'question';
    const color = r.isCurrent ? 'current' : r.state === 'applied' ? 'passed' : undefined;
    rows.push({ id: `rev:${r.id}`, label, description: [r.id, ...marks, ...(r.isCurrent ? [] : [state])].join(' · '), tooltip, icon, ...(color ? { color } : {}), file: r.file });
  }
  return rows;
}

const folderIcon: Record<FolderMigration['state'], string> = { applied: 'pass-filled', pending: 'circle-large-outline', missing: 'warning', unknown: 'question' };

/** Rows of a node-pg-migrate or plain SQL root: the runner's problems, "state unknown" with the reason, then the migrations. */
export function folderRows(s: FolderStateResult): Row[] {
  const rows: Row[] = s.problems.map((p, i) => ({ id: `problem:${i}`, label: p.message, description: p.code, tooltip: p.message, icon: p.severity === 'error' ? 'error' : 'warning', color: p.severity }));
  if (!s.stateKnown) {
    const why = s.stateUnknownReason ?? 'the database was not read';
    rows.push({ id: 'unknown', label: 'State unknown', description: why, tooltip: `Which migrations are applied is unknown: ${why}`, icon: 'question', color: 'warning' });
  }
  for (const m of s.migrations) {
    const short = shortName(m.name);
    const state = m.state === 'unknown' ? 'state unknown' : m.state === 'missing' ? 'missing file' : m.state;
    const current = s.current !== null && (s.current === m.name || s.current === m.version);
    rows.push({
      id: `mig:${m.name}`,
      label: short.label,
      description: [short.prefix ?? m.version, current ? 'current' : undefined, state].filter(Boolean).join(' · '),
      tooltip: `${m.name}\nState: ${state}${m.file ? `\nFile: ${m.file}` : ''}`,
      icon: folderIcon[m.state],
      ...(m.state === 'applied' ? { color: 'passed' as const } : m.state === 'missing' ? { color: 'error' as const } : {}),
      ...(m.file ? { file: m.file } : {}),
    });
  }
  return rows;
}

/**
 * A migration name shortened for the label at the default sidebar width: the version prefix (a timestamp or
 * number) and the extension dropped, `20240105090000_create_users.js` → `create_users` with prefix `20240105090000`.
 */
export function shortName(name: string): { label: string; prefix?: string } {
  const base = name.replace(/(\.(up|down))?\.(c|m)?(js|ts|sql|py)$/i, '');
  // Flyway `V1_1__name` / `R__name`, else a number or timestamp and `_` or `-`.
  const m = /^([VUR]\d*(?:[._]\d+)*)__(.+)$/.exec(base) ?? /^(\d+)[_-](.+)$/.exec(base);
  return m && m[2] ? { label: m[2], prefix: m[1]! } : { label: base };
}

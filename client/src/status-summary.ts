/**
 * What the status bar says about a workspace's migrations (no `vscode` import, so it is unit-tested).
 * It says "up to date" only for a status the engine read, with nothing pending, missing or edited;
 * an engine error (no project, unreadable knexfile, unreachable database) is an error state, never
 * a quiet "up to date" (issue 12, item 4).
 */
import type { AlembicHistoryResult, FolderStateResult, StatusResult } from '../../server/src/protocol';
import { plural } from './relative-time';

/** The status bar item's content. */
export interface StatusSummary {
  /** Text with codicons, e.g. `$(database) 2 pending`. */
  text: string;
  /** Hover text. */
  tooltip: string;
  /** `error`: the state could not be read or Knex refuses to run; `warning`: runs, but needs a look; `ok`: up to date or pending only. */
  level: 'ok' | 'warning' | 'error';
}

/**
 * The summary of a status read, or of the error that stopped it (`code`/`hint` as engine.ts
 * EngineError carries them).
 */
export function summarizeStatus(status: StatusResult | (Error & { code?: string; hint?: string })): StatusSummary {
  if (status instanceof Error) {
    const why = status.code === 'no-project' ? 'no project' : 'error';
    return {
      text: `$(error) Migrations: ${why}`,
      tooltip: `Migration Guard could not read the migration state: ${status.message}${status.hint ? `\n${status.hint}` : ''}\nClick for Retry and Show Output.`,
      level: 'error',
    };
  }
  const count = (...states: string[]) => status.migrations.filter((m) => states.includes(m.state)).length;
  // The engine's definition of pending (StatusResult.pending), the one the tree's "Pending" group shows.
  const pending = status.pending.length;
  const missing = count('missing');
  const edited = count('edited');
  const where = `${status.project.client} ${status.project.connection}`;
  if (missing > 0) return { text: `$(warning) ${missing} missing`, tooltip: `Migration Guard: ${plural(missing, 'applied migration')} without a file (Knex refuses to run). ${where}`, level: 'error' };
  if (status.lock.held) return { text: '$(lock) locked', tooltip: `Migration Guard: the migrations lock is held (a migration is running, or one crashed). ${where}`, level: 'error' };
  if (edited > 0) {
    const also = pending > 0 ? `, ${pending} pending` : '';
    return { text: `$(diff-modified) ${edited} edited${also}`, tooltip: `Migration Guard: ${plural(edited, 'applied migration')} changed after it ran. ${where}`, level: 'warning' };
  }
  if (status.migrations.length === 0) return { text: '$(database) no migrations', tooltip: `Migration Guard: no migration files in ${status.project.migrationDirectories.join(', ')}. ${where}`, level: 'ok' };
  if (pending > 0) return { text: `$(database) ${pending} pending`, tooltip: `Migration Guard: ${plural(pending, 'migration')} to apply. ${where}`, level: 'ok' };
  return { text: '$(database) up to date', tooltip: `Migration Guard: every migration in ${status.project.migrationDirectories.join(', ')} is applied. ${where}`, level: 'ok' };
}

/**
 * The status bar for a project of any runner (Knex through {@link summarizeStatus}). Alembic and plain folders say
 * "state unknown" whenever the engine could not read the database (`current: null`, `stateKnown: false`), never
 * "up to date"; several Alembic heads and the runner's problems are warnings or errors.
 */
export function summarizeProjectState(
  state:
    | { kind: 'knex'; status: StatusResult }
    | { kind: 'alembic'; state: AlembicHistoryResult }
    | { kind: 'folder'; state: FolderStateResult }
    | { kind: 'error'; error: { message: string; code: string; hint?: string } },
): StatusSummary {
  if (state.kind === 'knex') return summarizeStatus(state.status);
  if (state.kind === 'error') return summarizeStatus(Object.assign(new Error(state.error.message), { code: state.error.code, ...(state.error.hint ? { hint: state.error.hint } : {}) }));
  if (state.kind === 'alembic') {
    const s = state.state;
    const where = `Alembic ${s.database ?? '(no database configured)'}`;
    if (s.heads.length > 1) return { text: `$(warning) ${s.heads.length} heads`, tooltip: `Migration Guard: ${s.heads.length} heads (${s.heads.join(', ')}): run alembic merge heads. ${where}`, level: 'warning' };
    if (s.current === null) return { text: '$(question) state unknown', tooltip: `Migration Guard: which revisions are applied is unknown: ${s.currentUnknownReason ?? 'the database was not read'}. ${where}`, level: 'warning' };
    if (s.problems.length > 0) return { text: `$(warning) ${plural(s.problems.length, 'problem')}`, tooltip: `Migration Guard: ${s.problems.join(' ')} ${where}`, level: 'warning' };
    if (s.revisions.length === 0) return { text: '$(database) no revisions', tooltip: `Migration Guard: no revision files in ${s.versionLocations.join(', ')}. ${where}`, level: 'ok' };
    const pending = s.revisions.filter((r) => r.state === 'pending').length;
    if (pending > 0) return { text: `$(database) ${pending} pending`, tooltip: `Migration Guard: ${plural(pending, 'revision')} not applied yet. ${where}`, level: 'ok' };
    return { text: '$(database) up to date', tooltip: `Migration Guard: the database is at the head (${s.heads.join(', ')}). ${where}`, level: 'ok' };
  }
  const s = state.state;
  const where = `${s.runner === 'sql' ? s.flavor ?? 'sql' : s.runner} ${s.database ?? '(no database configured)'}`;
  const errors = s.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) return { text: `$(error) ${errors[0]!.code}`, tooltip: `Migration Guard: ${errors.map((p) => p.message).join(' ')} ${where}`, level: 'error' };
  if (!s.stateKnown) return { text: '$(question) state unknown', tooltip: `Migration Guard: which migrations are applied is unknown: ${s.stateUnknownReason ?? 'the database was not read'}. ${where}`, level: 'warning' };
  if (s.problems.length > 0) return { text: `$(warning) ${plural(s.problems.length, 'problem')}`, tooltip: `Migration Guard: ${s.problems.map((p) => p.message).join(' ')} ${where}`, level: 'warning' };
  if (s.migrations.length === 0) return { text: '$(database) no migrations', tooltip: `Migration Guard: no migration files in ${s.migrationsDirectory}. ${where}`, level: 'ok' };
  const pending = s.migrations.filter((m) => m.state === 'pending').length;
  if (pending > 0) return { text: `$(database) ${pending} pending`, tooltip: `Migration Guard: ${plural(pending, 'migration')} to apply. ${where}`, level: 'ok' };
  return { text: '$(database) up to date', tooltip: `Migration Guard: every migration in ${s.migrationsDirectory} is applied. ${where}`, level: 'ok' };
}

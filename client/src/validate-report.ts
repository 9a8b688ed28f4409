/**
 * The Validate report as a Markdown document, and what the client keeps of a Validate (no `vscode` import, so it is
 * unit-tested). Everything shown comes from the engine's `validate --json` (ValidateResult: its project with the
 * connection masked, problems, drift items with their hints, what was checked) or from the engine's error: nothing
 * here recomputes drift, and an error is never shown as "valid".
 */
import type { DriftItem, ProjectInfo, ValidateResult } from '../../server/src/protocol';

/** An engine failure as the client holds it (engine.ts `EngineError`: message, stable code, next step). */
export interface ValidateFailure {
  message: string;
  code: string;
  hint?: string;
}

/**
 * The last Validate of one project (folder, project and environment), as the client keeps it: the engine's result,
 * or the error that stopped it. `at` is when it finished (ISO-8601, the client's clock).
 */
export type ValidationRecord = { kind: 'result'; at: string; result: ValidateResult } | { kind: 'error'; at: string; error: ValidateFailure };

/**
 * Which database a project's answers are about, as the engine names it (`ProjectInfo`: the knexfile or the source, the
 * environment, the client and the masked connection): a Validate result and a `status` read of the same database give
 * the same key, wherever the command was started from.
 */
export function projectKey(project: Pick<ProjectInfo, 'knexfile' | 'source' | 'environment' | 'client' | 'connection'>): string {
  return JSON.stringify([project.knexfile ?? project.source, project.environment, project.client, project.connection]);
}

/** The later of two records (by `at`); undefined when both are. */
export function latestRecord(a: ValidationRecord | undefined, b: ValidationRecord | undefined): ValidationRecord | undefined {
  if (!a || !b) return a ?? b;
  return Date.parse(b.at) > Date.parse(a.at) ? b : a;
}

/** Where the client ran Validate: the workspace folder's name and the folder the engine ran in. */
export interface ValidateWhere {
  folder: string;
  /** Absolute path of the project folder (the engine's `--cwd`). */
  root: string;
}

/**
 * Whether the result says anything about drift: `checked` when the engine compared the schemas (its `checked` lists
 * `schema drift`, `drift` is present and no `drift-unchecked` problem says the replay failed), with the items found
 * (possibly none); else why drift is unknown.
 */
export function driftOf(result: ValidateResult): { checked: true; items: DriftItem[] } | { checked: false; why: string } {
  const unchecked = result.problems.find((p) => p.code === 'drift-unchecked');
  if (unchecked) return { checked: false, why: unchecked.message };
  if (!result.drift || !result.checked.includes('schema drift')) return { checked: false, why: 'Schema drift was not checked for this database (SQLite and PostgreSQL only).' };
  return { checked: true, items: result.drift };
}

/**
 * True only when the engine said valid and nothing contradicts it (no problem, no drift item): a result that is
 * inconsistent counts as invalid (fail closed).
 */
export function isValid(result: ValidateResult): boolean {
  return result.valid && result.problems.length === 0 && (result.drift?.length ?? 0) === 0;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `text` as a Markdown code span (a longer fence when it holds backticks). */
function code(text: string): string {
  const ticks = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** Drift items grouped by table, tables sorted by name, each table's items in the engine's order. */
export function driftByTable(items: readonly DriftItem[]): Array<[table: string, items: DriftItem[]]> {
  const groups = new Map<string, DriftItem[]>();
  for (const item of items) groups.set(item.table, [...(groups.get(item.table) ?? []), item]);
  return [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** What an item is about below its table: the column, index or constraint. */
function subject(item: DriftItem): string {
  if (item.column !== undefined) return ` column ${code(item.column)}`;
  if (item.index !== undefined) return ` index ${code(item.index)}`;
  if (item.constraint !== undefined) return ` constraint ${code(item.constraint)}`;
  return '';
}

function driftLines(item: DriftItem): string[] {
  const lines = [`- **${item.kind}**${subject(item)}: ${item.message}`];
  if (item.expected !== undefined || item.actual !== undefined) {
    lines.push(`  - expected ${item.expected !== undefined ? code(item.expected) : '(none)'}, actual ${item.actual !== undefined ? code(item.actual) : '(none)'}`);
  }
  lines.push(`  - What to do: ${item.hint}`);
  return lines;
}

/** The verdict line: valid, or the problems and drift items counted; never "valid" for an error or an inconsistent result. */
export function validateVerdict(record: ValidationRecord): string {
  if (record.kind === 'error') return `Validate failed: ${record.error.message}`;
  const { result } = record;
  const drift = driftOf(result);
  if (isValid(result)) return drift.checked ? 'Valid: no problems, no schema drift.' : 'Valid: no problems. Schema drift was not checked.';
  const parts = [plural(result.problems.length, 'problem'), plural(result.drift?.length ?? 0, 'schema drift item')];
  return `Invalid: ${parts.join(', ')}.${result.problems.length === 0 && (result.drift?.length ?? 0) === 0 ? ' The engine said invalid without saying why: see the Migration Guard output.' : ''}`;
}

/**
 * The report of one Validate as Markdown: a header naming the project, environment and database (the engine's masked
 * connection; "unknown" when the engine failed before saying), the verdict, the drift grouped by table (one heading
 * per table, one item per difference with its message and what to do), the problems, and what was checked.
 */
export function renderValidateReport(record: ValidationRecord, where: ValidateWhere): string {
  const project = record.kind === 'result' ? record.result.project : undefined;
  const lines = ['# Migration Guard: Validate', ''];
  lines.push(`- Project: ${where.folder} (${where.root})`);
  if (project) {
    lines.push(`- Environment: ${project.environment ?? '(the knexfile is not keyed by environment)'}${project.protected ? ' (protected)' : ''}`);
    lines.push(`- Database: ${project.client} ${project.connection}`);
    lines.push(`- Config: ${project.knexfile ?? project.source}`);
  } else {
    lines.push(`- Environment and database: unknown${record.kind === 'error' ? ' (the engine failed before reading them)' : ' (not reported by this engine version)'}`);
  }
  lines.push(`- Validated: ${record.at}`, '');
  lines.push(`**${validateVerdict(record)}**`, '');

  if (record.kind === 'error') {
    if (record.error.hint) lines.push(`What to do: ${record.error.hint}`, '');
    lines.push(`Nothing was checked to the end (${code(record.error.code)}): this is not a valid result. Schema drift and integrity are unknown.`, '');
    return lines.join('\n');
  }

  const { result } = record;
  const drift = driftOf(result);
  lines.push('## Schema drift', '');
  if (!drift.checked) {
    lines.push(`Unknown: ${drift.why}`, '');
  } else if (drift.items.length === 0) {
    lines.push('None: the live schema is the one the applied migrations build.', '');
  } else {
    lines.push(`${plural(drift.items.length, 'difference')} between the live schema and the one the applied migrations build (replayed in a scratch database), by table:`, '');
    for (const [table, items] of driftByTable(drift.items)) {
      lines.push(`### ${code(table)}`, '');
      for (const item of items) lines.push(...driftLines(item));
      lines.push('');
    }
  }

  lines.push('## Problems', '');
  if (result.problems.length === 0) lines.push('None.', '');
  else {
    for (const p of result.problems) lines.push(`- **${p.severity ?? 'error'}** ${code(p.code)}${p.migration ? ` (${code(p.migration)})` : ''}: ${p.message}`);
    lines.push('');
  }

  lines.push('## Checked', '');
  lines.push(...(result.checked.length ? result.checked.map((c) => `- ${c}`) : ['Nothing.']), '');
  return lines.join('\n');
}

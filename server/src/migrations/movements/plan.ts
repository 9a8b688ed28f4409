/**
 * Consent bound to the plan: every upgrade and downgrade computes a `planId` (sha256 over the database identity, the
 * direction, the target and the ordered migrations with each file's sha256). `--plan <id>` re-derives the plan and
 * runs only when the id is the same, so a file that appeared or changed after the user saw the plan never runs
 * unseen, and `--allow-unsafe` covers only the findings that were shown.
 *
 * Naming what changed: the id alone cannot say it. Every computed plan is also recorded, content-addressed, as
 * `<os.tmpdir()>/migration-guard-plans-<uid>/<planId>.json` (mode 0600; it holds the masked connection, names and
 * hashes only, no secret). A `plan-changed` refusal reads the record of the expected id, when there is one, and
 * names the differences (new file, edited file, migration applied or undone meanwhile, other database). Without the
 * record it still refuses and lists the plan as it is now. The record is a best-effort cache: failing to write or
 * read it never changes the verdict, which compares ids only.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PlanMigration, PreflightFinding } from '../../protocol';
import { isProtectedTable, protectedTablesNamed } from '../../config';
import type { LoadedProject } from '../project/project';
import { EngineError } from '../errors';

/** What a plan id is computed over. */
export interface PlanRecord {
  /** Masked connection (`ProjectInfo.connection`) and client: which database. */
  database: string;
  direction: 'up' | 'down';
  /** The selection as given (`step`, `to`, `all`); absent keys are omitted. */
  target: Record<string, string | number | boolean>;
  /** The migrations in the order they run, each with its file's sha256 (null: no file). */
  migrations: PlanMigration[];
}

/** The record of a plan for `project`. */
export function planRecord(project: LoadedProject, direction: 'up' | 'down', target: Record<string, string | number | boolean | undefined>, migrations: PlanMigration[]): PlanRecord {
  const t: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(target).sort()) {
    const v = target[key];
    if (v !== undefined && v !== false) t[key] = v;
  }
  return { database: `${project.client} ${project.info.connection}`, direction, target: t, migrations };
}

/** Lower-case hex sha256 of the record's canonical JSON (keys in a fixed order). */
export function planIdOf(record: PlanRecord): string {
  const canonical = JSON.stringify([record.database, record.direction, Object.entries(record.target), record.migrations.map((m) => [m.name, m.sha256])]);
  return createHash('sha256').update(canonical).digest('hex');
}

function recordFolder(): string {
  const uid = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return path.join(os.tmpdir(), `migration-guard-plans-${uid}`);
}

/** Saves the record under its id (best effort, see the module docstring). Returns the id. */
export function rememberPlan(record: PlanRecord): string {
  const id = planIdOf(record);
  try {
    mkdirSync(recordFolder(), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(recordFolder(), `${id}.json`), JSON.stringify(record), { mode: 0o600 });
  } catch {
    // Only the wording of a later plan-changed refusal depends on it.
  }
  return id;
}

function recalled(id: string): PlanRecord | null {
  if (!/^[0-9a-f]{64}$/.test(id)) return null;
  try {
    const r = JSON.parse(readFileSync(path.join(recordFolder(), `${id}.json`), 'utf8')) as PlanRecord;
    return planIdOf(r) === id ? r : null;
  } catch {
    return null;
  }
}

/** The differences between the plan that was shown and the plan now, as short clauses. */
export function planDifferences(before: PlanRecord, now: PlanRecord): string[] {
  const out: string[] = [];
  if (before.database !== now.database) out.push(`the database is another one (${before.database} → ${now.database})`);
  if (before.direction !== now.direction) out.push(`the direction changed (${before.direction} → ${now.direction})`);
  if (JSON.stringify(Object.entries(before.target)) !== JSON.stringify(Object.entries(now.target))) out.push(`the selection changed (${JSON.stringify(before.target)} → ${JSON.stringify(now.target)})`);
  const old = new Map(before.migrations.map((m) => [m.name, m.sha256]));
  const cur = new Map(now.migrations.map((m) => [m.name, m.sha256]));
  const up = now.direction === 'up';
  for (const m of now.migrations) {
    if (!old.has(m.name)) out.push(up ? `${m.name} is a new pending migration (a file added since the plan was shown)` : `${m.name} would now be undone too (applied since the plan was shown)`);
    else if (old.get(m.name) !== m.sha256) out.push(`${m.name} was edited (sha256 ${short(old.get(m.name))} → ${short(m.sha256)})`);
  }
  for (const m of before.migrations) {
    if (!cur.has(m.name)) out.push(up ? `${m.name} is no longer pending (applied meanwhile, or its file was removed)` : `${m.name} is no longer to be undone (undone meanwhile, or another migration is now the last)`);
  }
  if (out.length === 0 && before.migrations.map((m) => m.name).join('\n') !== now.migrations.map((m) => m.name).join('\n')) out.push('the migrations now run in another order');
  return out;
}

function short(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : 'no file';
}

/**
 * Throws unless `expectedId` is the id of `now`. Writes nothing.
 * @throws EngineError `plan-changed` naming what changed (from the recorded plan, when this machine has it).
 */
export function assertSamePlan(expectedId: string, now: PlanRecord): void {
  const id = planIdOf(now);
  if (id === expectedId) return;
  const before = recalled(expectedId);
  const verb = now.direction === 'up' ? 'upgrade' : 'downgrade';
  const what = before
    ? planDifferences(before, now).join('; ') || 'its content differs'
    : `the plan shown is not known here; the plan now is: ${now.migrations.length ? now.migrations.map((m) => `${m.name} (${short(m.sha256)})`).join(', ') : 'nothing to run'}`;
  throw new EngineError(
    'plan-changed',
    `The ${verb} plan changed since it was shown (plan ${expectedId.slice(0, 12)}, now ${id.slice(0, 12)}): ${what}. Nothing was written.`,
    `Look at the new plan (migration-guard ${verb} --dry-run) and confirm it again.`,
  );
}

/** Kinds of pre-flight findings that delete rows or values. */
const DATA_LOSS_KINDS: ReadonlySet<PreflightFinding['kind']> = new Set(['drop-table', 'truncate', 'rows-deleted', 'drop-column']);

/**
 * The pre-flight findings that lose data: a dropped or truncated table with rows, rows deleted (DELETE, a SQLite
 * rebuild, ON DELETE CASCADE, knex#6213), a dropped column holding values. A count that is missing counts as a loss
 * (fail closed). These make a plan unsafe exactly like a finding of error severity.
 */
export function dataLossFindings(preflight: readonly PreflightFinding[] | undefined): PreflightFinding[] {
  return (preflight ?? []).filter((f) => DATA_LOSS_KINDS.has(f.kind) && (f.rows === undefined || f.rows > 0));
}

/** Why a plan is unsafe, one sentence; null when it is not. Shared by upgrade and downgrade. */
export function unsafeReason(errorFindings: number, dataLoss: number): string | null {
  const parts: string[] = [];
  if (errorFindings > 0) parts.push(`${errorFindings} finding${errorFindings === 1 ? '' : 's'} of error severity`);
  if (dataLoss > 0) parts.push(`${dataLoss} pre-flight finding${dataLoss === 1 ? '' : 's'} that delete${dataLoss === 1 ? 's' : ''} rows or values on this database`);
  return parts.length ? `${parts.join(' and ')}.` : null;
}

/**
 * The protected tables (`.migration-guard.json` `protectedTables`) a plan touches: named by a data-loss finding of
 * the analyzer (config/protected-tables.ts protectedTablesNamed) or by a pre-flight finding that deletes rows or values.
 */
export function protectedTablesTouched(findings: ReadonlyArray<{ ruleId: string; message: string }>, preflight: readonly PreflightFinding[] | undefined, protectedTables: readonly string[]): string[] {
  if (protectedTables.length === 0) return [];
  const out = new Set<string>();
  for (const f of findings) for (const t of protectedTablesNamed(f, protectedTables)) out.add(t);
  for (const p of dataLossFindings(preflight)) if (p.table && isProtectedTable(p.table, protectedTables)) out.add(p.table);
  return [...out];
}

/**
 * Why a plan touching protected tables is refused even with `--allow-unsafe`: the tables not named again with
 * `--allow-unsafe-table`. Null when every touched table was named.
 */
export function protectedRefusal(touched: readonly string[], allowed: readonly string[]): string | null {
  const blocked = touched.filter((t) => !allowed.some((a) => isProtectedTable(t, [a])));
  if (blocked.length === 0) return null;
  return `it deletes data of protected table${blocked.length === 1 ? '' : 's'} ${blocked.join(', ')} (.migration-guard.json protectedTables); --allow-unsafe is not enough: name ${blocked.length === 1 ? 'it' : 'each'} with ${blocked.map((t) => `--allow-unsafe-table ${t}`).join(' ')}.`;
}

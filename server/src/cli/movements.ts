/**
 * CLI commands for movements besides `upgrade`: `downgrade [--step N | --to NAME | --all]`,
 * `mark-applied <name>`, `unmark <name>`, `unlock`, `new <name>`, `history`. Write commands take
 * `--confirm <database name>` (required on protected environments, guard.ts); `downgrade` asks y/N
 * on a terminal and needs `--yes` elsewhere. Registered by main.ts with {@link registerMovementCommands}.
 */
import type { Command } from 'commander';
import type { LoadedProject } from '../migrations/project';
import type { EngineLog } from '../migrations/db';
import { EngineError } from '../migrations/errors';
import { formatPreview } from './backups';
import { formatPreflight } from './format';
import { requireConfirmation } from '../migrations/guard';
import { getHistory } from '../migrations/history';
import { downgrade, markApplied, unlock, unmark, type DowngradeOptions } from '../migrations/movements';
import { newMigration } from '../migrations/scaffold';
import type { DowngradeResult, HistoryResult, MarkResult, UnlockResult } from '../protocol';
import { formatOtherRunner, type OtherRunnerState } from './projects';

/** Flags every engine command takes (main.ts `withEngineOptions`). */
export interface MovementEngineFlags {
  cwd?: string;
  env?: string;
  knexfile?: string;
  json?: boolean;
}

interface WriteFlags extends MovementEngineFlags {
  confirm?: string;
}

interface DowngradeFlags extends WriteFlags {
  step?: string;
  to?: string;
  all?: boolean;
  yes?: boolean;
  backup?: boolean;
  dryRun?: boolean;
  allowUnsafe?: boolean;
  allowUnsafeTable?: string[];
  plan?: string;
}

/** What the commands need from main.ts. */
export interface MovementCommandContext {
  /** Adds `--cwd`, `--env`, `--knexfile`, `--json`. */
  withEngineOptions(cmd: Command): Command;
  /** Loads the project from the flags. */
  project(flags: MovementEngineFlags): Promise<LoadedProject>;
  /** State of the --cwd folder when another runner's project is there (projects.ts otherRunnerStateFor), else null. */
  otherRunner(flags: MovementEngineFlags): Promise<OtherRunnerState | null>;
  /** Prints JSON (`--json`) or the text. */
  emit(flags: { json?: boolean }, result: unknown, text: () => string): void;
  /** Progress on stderr. */
  progress: EngineLog;
  /** Tells main whether errors must be printed as JSON. */
  setJson(json: boolean): void;
  /** Sets the exit code. */
  setCode(code: number): void;
  /** Prints a line on stdout (the plan, before the progress). */
  out(text: string): void;
  /** Whether stdin is a terminal. */
  isTTY: boolean;
  /** Asks a question on stderr, returns the typed line. */
  ask(question: string): Promise<string>;
}

/** Commander collector of a repeatable option (`--allow-unsafe-table a --allow-unsafe-table b`). */
export function collectNames(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses `--step N` (a positive integer). @throws EngineError `usage`. */
export function parseStep(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new EngineError('usage', `--step must be a positive integer (got '${value}').`);
  return Number(value);
}

/** The plan part of a downgrade's text: what is undone, what the down()s delete, the backup, the plan id. */
export function formatDowngradePlan(r: DowngradeResult): string {
  if (r.planned.length === 0) return `Nothing to undo. Current: ${r.current ?? '(none)'}.`;
  const lines = [`${r.dryRun ? 'Would undo' : 'To undo'} (${r.planned.length}, most recent first):`, ...r.planned.map((n) => `  ${n}`)];
  const preflight = formatPreflight(r.preflight);
  if (preflight) lines.push('', preflight);
  lines.push('', `Plan: ${r.planId}`);
  return lines.join('\n');
}

/** The outcome part of a downgrade's text: the refusal, the dry-run verdict, or what was undone. */
export function formatDowngradeOutcome(r: DowngradeResult): string {
  if (r.planned.length === 0) return '';
  if (r.refused) return `Refused: ${r.refusedReason ?? 'the plan is unsafe.'} Nothing was changed.${r.refusedReason?.includes('--allow-unsafe-table') ? '' : ' Pass --allow-unsafe to undo anyway.'}`;
  if (r.dryRun) {
    const failed = (r.preview ?? []).filter((p) => p.error).map((p) => p.migration);
    if (failed.length > 0) return `Dry run: ${failed.join(', ')} failed inside the preview, so the downgrade would fail. Nothing was changed.`;
    return `Dry run: nothing was changed. To undo exactly this plan: migration-guard downgrade --plan ${r.planId}`;
  }
  const lines = [`Undid ${r.undone.length} migration${r.undone.length === 1 ? '' : 's'}: ${r.undone.join(', ')}. Current: ${r.current ?? '(none)'}.`];
  if (r.backup) lines.push(`Backup taken before: ${r.backup.name ?? r.backup.path} (undo with: migration-guard restore ${r.backup.name ?? r.backup.path})`);
  return lines.join('\n');
}

/** Text of a downgrade: plan, the dry run's SQL, outcome (each line once). */
export function formatDowngrade(r: DowngradeResult): string {
  return [formatDowngradePlan(r), formatPreview(r.preview).replace(/^\n+/, ''), formatDowngradeOutcome(r)].filter(Boolean).join('\n\n');
}

/** Text of `history`. */
export function formatHistory(h: HistoryResult): string {
  const lines: string[] = [];
  for (const b of h.batches) {
    lines.push(`Batch ${b.batch}:`);
    for (const m of b.migrations) {
      const time = m.appliedAt ? m.appliedAt.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '') : '-';
      const marks = [m.state !== 'applied' ? m.state : '', m.checksum === 'none' ? 'no checksum' : ''].filter(Boolean).join(', ');
      lines.push(`  ${time}  ${m.name}${marks ? `  (${marks})` : ''}`);
    }
  }
  if (h.batches.length === 0) lines.push('No migration applied.');
  lines.push('', h.pending.length ? `Pending (${h.pending.length}):` : 'Nothing pending.', ...h.pending.map((n) => `  ${n}`));
  lines.push('', `Current: ${h.current ?? '(none)'}`);
  return lines.join('\n');
}

function withConfirm(cmd: Command): Command {
  return cmd.option('--confirm <database>', 'the database name, typed to confirm a write on a protected environment (production, prod, or migrationGuard.protected)');
}

/** Registers the movement commands on `program`. */
export function registerMovementCommands(program: Command, ctx: MovementCommandContext): void {
  const write = (flags: WriteFlags) => ({ log: ctx.progress, ...(flags.confirm !== undefined ? { confirm: flags.confirm } : {}) });

  withConfirm(ctx.withEngineOptions(program.command('downgrade').description('undo applied migrations, most recently applied first (default: the last one); backs up first')))
    .option('--step <n>', 'undo the N most recently applied migrations')
    .option('--to <name>', 'undo every migration applied after <name> (it stays applied)')
    .option('--all', 'undo every applied migration')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-backup', 'skip the backup before undoing')
    .option('--dry-run', 'show what would be undone, what it deletes, and the planId; change nothing (exit 1 when the real run would be refused)')
    .option('--allow-unsafe', 'undo even when the down()s delete rows or values')
    .option('--allow-unsafe-table <name>', 'also allow data loss on this protected table (.migration-guard.json protectedTables); repeatable', collectNames, [])
    .option('--plan <planId>', 'undo only if the plan is still the one shown (a dry run\'s planId); else refuse with plan-changed and write nothing')
    .action(async (flags: DowngradeFlags) => {
      ctx.setJson(flags.json === true);
      const p = await ctx.project(flags);
      // A protected environment: ask for --confirm before the plan and the y/N prompt, not after.
      if (!flags.dryRun) requireConfirmation(p, flags.confirm, 'downgrade');
      const step = parseStep(flags.step);
      const opts: DowngradeOptions = {
        ...write(flags),
        ...(step !== undefined ? { step } : {}),
        ...(flags.to !== undefined ? { to: flags.to } : {}),
        ...(flags.all ? { all: true } : {}),
        noBackup: flags.backup === false,
        allowUnsafe: flags.allowUnsafe === true,
        allowUnsafeTables: flags.allowUnsafeTable ?? [],
        ...(flags.plan !== undefined ? { plan: flags.plan } : {}),
      };
      let planPrinted = false;
      if (!flags.dryRun && !flags.yes) {
        if (!ctx.isTTY) throw new EngineError('usage', 'downgrade needs confirmation, and stdin is not a terminal.', 'Pass --yes to undo without a prompt (or --dry-run to see the plan).');
        const plan = await downgrade(p, { ...opts, dryRun: true });
        if (plan.planned.length === 0 || plan.refused) {
          ctx.emit(flags, plan, () => formatDowngrade(plan));
          ctx.setCode(plan.refused ? 1 : 0);
          return;
        }
        const answer = await ctx.ask(`${formatDowngradePlan(plan)}${formatPreview(plan.preview)}\n\nUndo ${plan.planned.length} migration${plan.planned.length === 1 ? '' : 's'} on ${p.info.connection}${flags.backup === false ? ' without a backup' : ''}? [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) throw new EngineError('cancelled', 'Downgrade cancelled: nothing was undone.');
        // The yes binds to the plan just shown.
        opts.plan = plan.planId;
        planPrinted = true;
      }
      const onPlan = flags.json || planPrinted ? undefined : (r: DowngradeResult) => {
        ctx.out(formatDowngradePlan(r));
        planPrinted = true;
      };
      const result = await downgrade(p, { ...opts, dryRun: flags.dryRun === true, ...(onPlan ? { onPlan } : {}) });
      ctx.emit(flags, result, () => (planPrinted ? formatDowngradeOutcome(result) : formatDowngrade(result)));
      const previewFailed = result.dryRun && (result.preview ?? []).some((m) => m.error !== undefined);
      ctx.setCode(result.refused || previewFailed ? 1 : 0);
    });

  withConfirm(ctx.withEngineOptions(program.command('mark-applied').description('record a migration as applied without running it (baseline, like alembic stamp)')))
    .argument('<name>', 'migration file name, e.g. 20240101000000_create_users.js')
    .action(async (name: string, flags: WriteFlags) => {
      ctx.setJson(flags.json === true);
      const result: MarkResult = await markApplied(await ctx.project(flags), name, write(flags));
      ctx.emit(flags, result, () => `Marked ${result.name} as applied (batch ${result.batch}) without running it.`);
    });

  withConfirm(ctx.withEngineOptions(program.command('unmark').description('forget that a migration was applied, without running its down()')))
    .argument('<name>', 'migration name as recorded in the migrations table')
    .action(async (name: string, flags: WriteFlags) => {
      ctx.setJson(flags.json === true);
      const result: MarkResult = await unmark(await ctx.project(flags), name, write(flags));
      ctx.emit(flags, result, () => `Unmarked ${result.name} (was in batch ${result.batch}); its code did not run.`);
    });

  withConfirm(ctx.withEngineOptions(program.command('unlock').description('free the Knex migration lock after checking that no migration is running'))).action(async (flags: WriteFlags) => {
    ctx.setJson(flags.json === true);
    const result: UnlockResult = await unlock(await ctx.project(flags), write(flags));
    ctx.emit(flags, result, () => `${result.freed ? 'Lock freed.' : 'The lock was already free.'} Checked: ${result.checked.join('; ')}.`);
  });

  ctx.withEngineOptions(program.command('new').description('create a migration <timestamp>_<name>.js (or .ts) from a safe template'))
    .argument('<name>', 'letters, digits, _ and -')
    .action(async (name: string, flags: MovementEngineFlags) => {
      ctx.setJson(flags.json === true);
      const result = await newMigration(await ctx.project(flags), name);
      ctx.emit(flags, result, () => `Created ${result.file}`);
    });

  ctx.withEngineOptions(program.command('history').description('applied migrations by batch, newest first, then pending (read-only)')).action(async (flags: MovementEngineFlags) => {
    ctx.setJson(flags.json === true);
    const other = await ctx.otherRunner(flags);
    if (other) return ctx.emit(flags, other, () => formatOtherRunner(other));
    const result = await getHistory(await ctx.project(flags), { log: ctx.progress });
    ctx.emit(flags, result, () => formatHistory(result));
  });
}

/**
 * `migration-guard downgrade [--step N | --to NAME | --all]`: undo applied migrations, most recently applied first,
 * after a backup. On a terminal without `--yes` it shows the plan and asks y/N (the yes binds to that plan);
 * elsewhere `--yes` is required.
 */
import { downgrade as downgradeProject, EngineError, requireConfirmation, type DowngradeOptions } from '../../migrations';
import type { commands, DowngradeResult } from '../../protocol';
import { exitCode, parseStep } from '../context';
import { formatDowngrade, formatDowngradeOutcome, formatDowngradePlan, formatPreview } from '../format';
import type { Handler } from '../register';

/**
 * Exit 1 when refused or when a dry run's preview failed.
 * @throws EngineError `usage` (no terminal and no `--yes`), `cancelled`, and what the engine throws.
 */
export const downgrade: Handler<typeof commands.downgrade> = async (ctx, flags) => {
  const p = await ctx.project(flags);
  // A protected environment: ask for --confirm before the plan and the y/N prompt, not after.
  if (!flags.dryRun) requireConfirmation(p, flags.confirm, 'downgrade');
  const step = parseStep(flags.step);
  const opts: DowngradeOptions = {
    ...ctx.writeOptions(flags.confirm),
    ...(step !== undefined ? { step } : {}),
    ...(flags.to !== undefined ? { to: flags.to } : {}),
    ...(flags.all ? { all: true } : {}),
    noBackup: flags.backup === false,
    allowUnsafe: flags.allowUnsafe === true,
    allowUnsafeTables: flags.allowUnsafeTable,
    ...(flags.plan !== undefined ? { plan: flags.plan } : {}),
  };
  let planPrinted = false;
  if (!flags.dryRun && !flags.yes) {
    if (!ctx.io.isTTY) throw new EngineError('usage', 'downgrade needs confirmation, and stdin is not a terminal.', 'Pass --yes to undo without a prompt (or --dry-run to see the plan).');
    const plan = await downgradeProject(p, { ...opts, dryRun: true });
    if (plan.planned.length === 0 || plan.refused) {
      ctx.emit(flags, { project: p.info, ...plan }, () => formatDowngrade(plan));
      return exitCode(plan.refused);
    }
    const answer = await ctx.io.ask(`${formatDowngradePlan(plan)}${formatPreview(plan.preview)}\n\nUndo ${plan.planned.length} migration${plan.planned.length === 1 ? '' : 's'} on ${p.info.connection}${flags.backup === false ? ' without a backup' : ''}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new EngineError('cancelled', 'Downgrade cancelled: nothing was undone.');
    // The yes binds to the plan just shown.
    opts.plan = plan.planId;
    planPrinted = true;
  }
  const onPlan = flags.json || planPrinted ? undefined : (r: DowngradeResult) => {
    ctx.out(formatDowngradePlan(r));
    planPrinted = true;
  };
  const result = await downgradeProject(p, { ...opts, dryRun: flags.dryRun === true, ...(onPlan ? { onPlan } : {}) });
  // The JSON names the project acted on (database, environment), so the editor's modal can say it.
  ctx.emit(flags, { project: p.info, ...result }, () => (planPrinted ? formatDowngradeOutcome(result) : formatDowngrade(result)));
  const previewFailed = result.dryRun && (result.preview ?? []).some((m) => m.error !== undefined);
  return exitCode(result.refused || previewFailed);
};

/**
 * `migration-guard upgrade`: lint, back up, then apply pending migrations. On a terminal without `--yes` it shows
 * the plan (a dry run) and asks y/N, and the yes binds to that plan (`--plan`); elsewhere `--yes` is required.
 */
import { EngineError, requireConfirmation, upgrade as upgradeProject, type UpgradeOptions } from '../../migrations';
import type { commands, UpgradeResult } from '../../protocol';
import { LintCache } from '../../startup/lint-cache';
import { exitCode, parseStep } from '../context';
import { formatPreview, formatUpgrade, formatUpgradeOutcome, formatUpgradePlan } from '../format';
import type { Handler } from '../register';

/**
 * Exit 1 when refused, when a dry run's preview failed, or when the validation after applying is invalid.
 * @throws EngineError `usage` (no terminal and no `--yes`), `cancelled`, and what the engine throws.
 */
export const upgrade: Handler<typeof commands.upgrade> = async (ctx, flags) => {
  const dryRun = flags.dryRun === true;
  if (!dryRun && !flags.yes && !ctx.io.isTTY) {
    throw new EngineError('usage', 'upgrade needs confirmation, and stdin is not a terminal.', 'Pass --yes to apply without a prompt (or --dry-run to see the plan).');
  }
  const p = await ctx.project(flags);
  // A protected environment: ask for --confirm before the plan and the y/N prompt, not after.
  if (!dryRun) requireConfirmation(p, flags.confirm, 'upgrade');
  const step = parseStep(flags.step);
  const base: UpgradeOptions = {
    log: ctx.progress,
    lintCache: LintCache.open(),
    allowUnsafe: flags.allowUnsafe === true,
    allowUnsafeTables: flags.allowUnsafeTable,
    noBackup: flags.backup === false,
    ...(step !== undefined ? { step } : {}),
    ...(flags.to !== undefined ? { to: flags.to } : {}),
    ...(flags.confirm !== undefined ? { confirm: flags.confirm } : {}),
    ...(flags.plan !== undefined ? { plan: flags.plan } : {}),
  };
  // Text reads plan → progress (stderr) → outcome, each line once: the plan is printed when it is decided.
  let planPrinted = false;
  if (!dryRun && !flags.yes) {
    const plan = await upgradeProject(p, { ...base, dryRun: true });
    if (plan.pending.length === 0 || plan.refused) {
      ctx.emit(flags, { project: p.info, ...plan }, () => formatUpgrade(plan, formatPreview(plan.preview)));
      return exitCode(plan.refused);
    }
    ctx.io.stderr(`${formatUpgradePlan(plan)}${formatPreview(plan.preview)}\n\n`);
    const answer = await ctx.io.ask(`Apply ${plan.pending.length} migration${plan.pending.length === 1 ? '' : 's'} to ${p.info.connection}${flags.backup === false ? ' without a backup' : ''}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new EngineError('cancelled', 'Upgrade cancelled: nothing was applied.');
    }
    // The yes binds to the plan just shown: anything else is refused with plan-changed.
    base.plan = plan.planId;
    planPrinted = true;
  }
  const onPlan = flags.json || planPrinted ? undefined : (u: UpgradeResult) => {
    ctx.out(formatUpgradePlan(u));
    planPrinted = true;
  };
  const result = await upgradeProject(p, { ...base, dryRun, ...(onPlan ? { onPlan } : {}) });
  // The JSON names the project acted on (database, environment), so the editor's modal can say it.
  ctx.emit(flags, { project: p.info, ...result }, () => (planPrinted ? formatUpgradeOutcome(result) : formatUpgrade(result, formatPreview(result.preview))));
  const previewFailed = dryRun && (result.preview ?? []).some((m) => m.error !== undefined);
  return exitCode(result.refused || previewFailed || (result.validation !== null && !result.validation.valid));
};

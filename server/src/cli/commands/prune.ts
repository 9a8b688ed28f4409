/** `migration-guard prune --keep N [--yes]`: deletes old complete backups and stale incomplete ones, after y/N. */
import { prune as pruneBackups } from '../../migrations/backups/backup';
import type { commands } from '../../protocol';
import { formatPrune } from '../format';
import type { Handler } from '../register';

export const prune: Handler<typeof commands.prune> = async (ctx, flags) => {
  const p = await ctx.project(flags);
  const keep = /^\d+$/.test(flags.keep) ? Number(flags.keep) : NaN;
  const plan = await pruneBackups(p, keep, { dryRun: true });
  const changes = plan.deleted.length + plan.removedIncomplete.length;
  if (changes > 0) await ctx.confirm(flags.yes, `${formatPrune(plan, true)}\nProceed?`, 'prune');
  const result = changes > 0 ? await pruneBackups(p, keep) : plan;
  ctx.emit(flags, result, () => formatPrune(result));
};

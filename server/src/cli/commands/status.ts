/** `migration-guard status`: applied, pending and missing migrations (read-only); another runner's state in its project. */
import { getStatus } from '../../migrations';
import type { commands } from '../../protocol';
import { formatOtherRunner, formatStatus } from '../format';
import type { Handler } from '../register';

export const status: Handler<typeof commands.status> = async (ctx, flags) => {
  const other = await ctx.otherRunner(flags);
  if (other) {
    ctx.emit(flags, other, () => formatOtherRunner(other));
    return;
  }
  const result = await getStatus(await ctx.project(flags), { log: ctx.progress });
  ctx.emit(flags, result, () => formatStatus(result));
};

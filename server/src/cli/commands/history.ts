/** `migration-guard history`: applied migrations by batch, newest first, then pending (read-only); another runner's state in its project. */
import { getHistory } from '../../migrations';
import type { commands } from '../../protocol';
import { formatHistory, formatOtherRunner } from '../format';
import type { Handler } from '../register';

export const history: Handler<typeof commands.history> = async (ctx, flags) => {
  const other = await ctx.otherRunner(flags);
  if (other) {
    ctx.emit(flags, other, () => formatOtherRunner(other));
    return;
  }
  const result = await getHistory(await ctx.project(flags), { log: ctx.progress });
  ctx.emit(flags, result, () => formatHistory(result));
};

/** `migration-guard safety-check`: is it safe to migrate now? One line per check; nothing is written. */
import { safetyCheck as checkProject } from '../../migrations';
import type { commands } from '../../protocol';
import { exitCode } from '../context';
import { formatSafetyCheck } from '../format';
import type { Handler } from '../register';

/** Exit 1 when a check failed (the result is printed either way); configuration errors are thrown (exit 2). */
export const safetyCheck: Handler<typeof commands.safetyCheck> = async (ctx, flags) => {
  const result = await checkProject(await ctx.project(flags), { log: ctx.progress });
  ctx.emit(flags, result, () => formatSafetyCheck(result));
  return exitCode(!result.safe);
};

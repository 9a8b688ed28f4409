/** `migration-guard unlock [--confirm DB]`: frees the Knex migration lock after checking that no migration runs. */
import { unlock as unlockMigrations } from '../../migrations';
import type { commands } from '../../protocol';
import { formatUnlock } from '../format';
import type { Handler } from '../register';

export const unlock: Handler<typeof commands.unlock> = async (ctx, flags) => {
  const result = await unlockMigrations(await ctx.project(flags), ctx.writeOptions(flags.confirm));
  ctx.emit(flags, result, () => formatUnlock(result));
};

/** `migration-guard unmark <name> [--confirm DB]`: forgets that a migration was applied, without running its down(). */
import { unmark as unmarkMigration } from '../../migrations';
import type { commands } from '../../protocol';
import { formatMark } from '../format';
import type { Handler } from '../register';

export const unmark: Handler<typeof commands.unmark> = async (ctx, { name, ...flags }) => {
  const result = await unmarkMigration(await ctx.project(flags), name, ctx.writeOptions(flags.confirm));
  ctx.emit(flags, result, () => formatMark(result));
};

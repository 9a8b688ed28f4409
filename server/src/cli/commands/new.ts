/** `migration-guard new <name>`: a migration `<timestamp>_<name>.js` (or `.ts`) from the safe template. */
import { newMigration as createMigration } from '../../migrations';
import type { commands } from '../../protocol';
import { formatNewMigration } from '../format';
import type { Handler } from '../register';

export const newMigration: Handler<typeof commands.new> = async (ctx, { name, ...flags }) => {
  const result = await createMigration(await ctx.project(flags), name);
  ctx.emit(flags, result, () => formatNewMigration(result));
};

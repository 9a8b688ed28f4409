/** `migration-guard backups`: the backups, newest first, each checked against its manifest. */
import { defaultBackupDirectory } from '../../migrations/backups/backup';
import { LIST_HASH_LIMIT, listBackups } from '../../migrations/backups/manifest';
import type { BackupListResult, commands } from '../../protocol';
import { formatBackupList } from '../format';
import type { Handler } from '../register';

export const backups: Handler<typeof commands.backups> = async (ctx, flags) => {
  const directory = defaultBackupDirectory(await ctx.project(flags));
  const result: BackupListResult = { directory, backups: await listBackups(directory, { hashUpTo: LIST_HASH_LIMIT }) };
  ctx.emit(flags, result, () => formatBackupList(result));
};

/** `migration-guard schema snapshot [--from SOURCE] [--out FILE]`: the normalised schema as stable, sorted JSON. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveSchemaSource } from '../../migrations/schema/source';
import type { commands } from '../../protocol';
import { formatSnapshotWritten } from '../format';
import type { Handler } from '../register';

/** Prints the model as JSON on stdout (with or without `--json`), or writes it to `--out` and says so. */
export const schemaSnapshot: Handler<typeof commands.schemaSnapshot> = async (ctx, flags) => {
  const p = await ctx.project(flags);
  const base = ctx.folderOf(flags);
  const { model } = await resolveSchemaSource(p, flags.from, base, ctx.progress);
  const json = `${JSON.stringify(model, null, 2)}\n`;
  if (flags.out) {
    const file = path.resolve(base, flags.out);
    writeFileSync(file, json);
    ctx.emit(flags, model, () => formatSnapshotWritten(model, file));
  } else {
    ctx.emit({ json: true }, model, () => json);
  }
};

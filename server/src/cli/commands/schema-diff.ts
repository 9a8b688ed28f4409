/** `migration-guard schema diff <expected> <actual>`: the drift of one schema against another (snapshot file, database, migrations). */
import { EngineError } from '../../migrations';
import { diffSchemas } from '../../migrations/schema/diff';
import { resolveSchemaSource } from '../../migrations/schema/source';
import type { commands, SchemaDiffResult } from '../../protocol';
import { exitCode } from '../context';
import { formatSchemaDiff } from '../format';
import type { Handler } from '../register';

/** Exit 1 when the schemas differ. @throws EngineError `usage` for schemas of two database families. */
export const schemaDiff: Handler<typeof commands.schemaDiff> = async (ctx, { expected: a, actual: b, ...flags }) => {
  const p = await ctx.project(flags);
  const base = ctx.folderOf(flags);
  const expected = await resolveSchemaSource(p, a, base, ctx.progress);
  const actual = await resolveSchemaSource(p, b, base, ctx.progress);
  if (expected.model.dialect !== actual.model.dialect) {
    throw new EngineError('usage', `Cannot compare a ${expected.model.dialect} schema with a ${actual.model.dialect} one.`, 'Compare schemas of the same database family.');
  }
  const result: SchemaDiffResult = { expected: expected.source, actual: actual.source, drift: diffSchemas(expected.model, actual.model) };
  ctx.emit(flags, result, () => formatSchemaDiff(result));
  return exitCode(result.drift.length > 0);
};

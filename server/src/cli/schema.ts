/**
 * CLI commands `schema snapshot [--from SOURCE] [--out FILE]` and `schema diff <expected> <actual>`
 * (a source is `database`, `migrations` or a snapshot file), and the text of drift items, grouped
 * by table. Registered by main.ts with {@link registerSchemaCommands}.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadedProject } from '../migrations/project';
import type { EngineLog } from '../migrations/db';
import { EngineError } from '../migrations/errors';
import { diffSchemas } from '../migrations/schema/diff';
import { resolveSchemaSource } from '../migrations/schema/source';
import { ExitCode, type DriftItem, type SchemaDiffResult } from '../protocol';

interface SchemaFlags {
  cwd?: string;
  env?: string;
  knexfile?: string;
  json?: boolean;
  out?: string;
  from?: string;
}

/** What the commands need from main.ts. */
export interface SchemaCommandContext {
  withEngineOptions(cmd: Command): Command;
  project(flags: SchemaFlags): Promise<LoadedProject>;
  emit(flags: { json?: boolean }, result: unknown, text: () => string): void;
  progress: EngineLog;
  setJson(json: boolean): void;
  setCode(code: number): void;
  /** Base for relative paths. */
  cwd: string;
}

/** Drift items as text: grouped by table, one line per item with what to do. Empty string without drift. */
export function formatDrift(drift: readonly DriftItem[] | undefined): string {
  if (!drift || drift.length === 0) return '';
  const lines = [`Schema drift: ${drift.length} difference${drift.length === 1 ? '' : 's'} from the migrations.`];
  const byTable = new Map<string, DriftItem[]>();
  for (const d of drift) byTable.set(d.table, [...(byTable.get(d.table) ?? []), d]);
  for (const [table, items] of [...byTable].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    lines.push(`  ${table}`);
    for (const d of items) lines.push(`    ${d.kind}: ${d.message} ${d.hint}`);
  }
  return lines.join('\n');
}

/** Registers `schema snapshot` and `schema diff` on `program`. */
export function registerSchemaCommands(program: Command, ctx: SchemaCommandContext): void {
  const schema = program.command('schema').description('normalised schema: snapshot it, or diff two of: a snapshot file, the database, the migrations');
  const sourceHelp = "'database' (the live database), 'migrations' (the migration files replayed in a scratch database) or a snapshot file";

  ctx.withEngineOptions(schema.command('snapshot').description('write the normalised schema as stable, sorted JSON'))
    .option('--from <source>', `what to snapshot: ${sourceHelp}`, 'database')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (flags: SchemaFlags) => {
      ctx.setJson(flags.json === true);
      const p = await ctx.project(flags);
      const base = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
      const { model } = await resolveSchemaSource(p, flags.from ?? 'database', base, ctx.progress);
      const json = `${JSON.stringify(model, null, 2)}\n`;
      if (flags.out) {
        const file = path.resolve(base, flags.out);
        writeFileSync(file, json);
        ctx.emit(flags, model, () => `Wrote the schema (${model.tables.length} table${model.tables.length === 1 ? '' : 's'}, ${model.views.length} view${model.views.length === 1 ? '' : 's'}) to ${file}.`);
      } else {
        ctx.emit({ json: true }, model, () => json);
      }
    });

  ctx.withEngineOptions(schema.command('diff').description('compare two schemas; exit 1 when they differ'))
    .argument('<expected>', sourceHelp)
    .argument('<actual>', sourceHelp)
    .action(async (a: string, b: string, flags: SchemaFlags) => {
      ctx.setJson(flags.json === true);
      const p = await ctx.project(flags);
      const base = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
      const expected = await resolveSchemaSource(p, a, base, ctx.progress);
      const actual = await resolveSchemaSource(p, b, base, ctx.progress);
      if (expected.model.dialect !== actual.model.dialect) {
        throw new EngineError('usage', `Cannot compare a ${expected.model.dialect} schema with a ${actual.model.dialect} one.`, 'Compare schemas of the same database family.');
      }
      const result: SchemaDiffResult = { expected: expected.source, actual: actual.source, drift: diffSchemas(expected.model, actual.model) };
      ctx.emit(flags, result, () => formatDrift(result.drift) || `No differences (${expected.source.description} vs ${actual.source.description}).`);
      ctx.setCode(result.drift.length ? ExitCode.failure : ExitCode.ok);
    });
}

/** Helpers for analyzer unit tests. */
import { analyze } from '../../../server/src/lint';
import type { AnalyzeOptions, Finding } from '../../../server/src/lint';

/** Analyzes and returns `[ruleId, snippet]` pairs, snippet = `text.slice(start, end)`. */
export function hits(text: string, options: AnalyzeOptions): [string, string][] {
  return analyze(text, options).map((f) => [f.ruleId, text.slice(f.start, f.end)]);
}

/** Findings of one rule. */
export function of(ruleId: string, text: string, options: AnalyzeOptions): Finding[] {
  return analyze(text, options).filter((f) => f.ruleId === ruleId);
}

/** Snippets of one rule's findings. */
export function snippets(ruleId: string, text: string, options: AnalyzeOptions): string[] {
  return of(ruleId, text, options).map((f) => text.slice(f.start, f.end));
}

export const pg: AnalyzeOptions = { fileName: '001_migration.sql', dialect: 'postgresql' };
export const lite: AnalyzeOptions = { fileName: '001_migration.sql', dialect: 'sqlite' };
export const knexPg: AnalyzeOptions = { fileName: '20240101_migration.js', dialect: 'postgresql' };
export const knexLite: AnalyzeOptions = { fileName: '20240101_migration.js', dialect: 'sqlite' };

/** Wraps statements in a Knex migration with a real `down`. */
export function knexUp(body: string, param = 'knex'): string {
  return `exports.up = async function (${param}) {\n${body}\n};\n\nexports.down = async function (${param}) {\n  await ${param}.schema.dropTableIfExists('placeholder');\n};\n`;
}

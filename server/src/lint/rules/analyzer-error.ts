/**
 * `analyzer-error`: a parser or a rule threw while this document was analysed, so part of it (or all of it) was not
 * checked. Computed by `analyze()` (this module carries the metadata and the message): a crash must never read as
 * "no findings", so it is a finding of error severity of its own, which `check` (exit 1), the editor and the upgrade
 * gate treat like any other error. It cannot be switched off in the configuration nor silenced by an ignore comment.
 */
import type { Rule } from '../model';
import { docsPath } from './util';

export const id = 'analyzer-error';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'The analyzer crashed on this migration',
    description: 'A parser or a rule threw an exception on this document, so what it would have found is unknown: the migration is unchecked, not safe.',
    help: 'Review the migration by hand and report the crash (the message names the parser or rule and the exception). `upgrade --allow-unsafe` applies it anyway once you have checked it yourself.',
    docsPath: docsPath(id),
  },
  check() {
    return [];
  },
};

/** `TypeError: x is undefined` from any thrown value: its name and the first line of its message, at most 200 characters. */
export function exceptionLine(error: unknown): string {
  let line: string;
  if (error instanceof Error) {
    const first = String(error.message).split('\n', 1)[0]?.trim() ?? '';
    line = first ? `${error.name}: ${first}` : error.name;
  } else {
    line = String(error).split('\n', 1)[0]?.trim() ?? '';
  }
  return line.length > 200 ? `${line.slice(0, 199)}…` : line || 'an exception with no message';
}

/** The message of a parser crash: nothing in the document was checked. `parser` names it, e.g. `the Knex parser`. */
export function parserCrashMessage(parser: string, error: unknown): string {
  return `The analyzer could not check this file: ${parser} threw ${exceptionLine(error)}. Treat the migration as unchecked, not as safe.`;
}

/** The message of a rule crash; `onStatement` when the crash was traced to the statement the finding is on. */
export function ruleCrashMessage(ruleId: string, error: unknown, onStatement: boolean): string {
  const where = onStatement ? 'on this statement' : 'on this file';
  return `Rule ${ruleId} crashed ${where} (${exceptionLine(error)}), so it was not checked for what ${ruleId} looks for. Treat it as unchecked, not as safe.`;
}

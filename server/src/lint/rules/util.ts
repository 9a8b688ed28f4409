/** Helpers shared by rule implementations. */
import type { Operation, RuleViolation } from '../model';

/** A violation covering an operation's range. */
export function at(op: Operation, message: string): RuleViolation {
  return { start: op.range.start, end: op.range.end, message };
}

/** Builds the docs path of a rule id: `docs/rules/<id>.md`. */
export function docsPath(id: string): string {
  return `docs/rules/${id}.md`;
}

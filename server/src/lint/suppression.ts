/**
 * Suppression comments, in any comment syntax the analyzed languages use (`--`, `//`, `#`, `/*`):
 *
 * - `-- migration-guard-ignore <rule>[, <rule>…][: reason]` suppresses those rules for the next statement.
 *   When the comment sits inside a statement (e.g. above one sub-command of a multi-line ALTER TABLE) and
 *   no other statement starts between it and that statement's end, it covers the rest of that statement.
 * - `-- migration-guard-ignore-file <rule>[, <rule>…][: reason]` suppresses them in the whole file.
 * - Without rule ids, every rule is suppressed.
 *
 * The LSP's "ignore" code actions insert exactly these comments.
 */
import type { TextRange } from './text';

/** One parsed suppression comment. */
export interface Suppression {
  /** `statement`: applies to `region`; `file`: applies everywhere. */
  scope: 'statement' | 'file';
  /** Rule ids; empty means every rule. */
  rules: string[];
  /** Range of the comment itself. */
  comment: TextRange;
  /** Findings starting inside this range are suppressed (statement scope). */
  region: TextRange;
  /** Text after `:` on the comment line, when given. */
  reason?: string;
}

const PATTERN = /(?:--|\/\/|#|\/\*)[ \t]*migration-guard-ignore(-file)?(?![\w-])([^\r\n]*)/g;

/**
 * Finds suppression comments in `text`. `statements` are the document's statement ranges (any order,
 * possibly nested); they decide what "the next statement" is.
 */
export function findSuppressions(text: string, statements: readonly TextRange[]): Suppression[] {
  const out: Suppression[] = [];
  const sorted = [...statements].sort((a, b) => a.start - b.start || b.end - a.end);
  for (const m of text.matchAll(PATTERN)) {
    const commentStart = m.index;
    const commentEnd = commentStart + m[0].length;
    let rest = (m[2] ?? '').replace(/\*\/.*$/, '');
    let reason: string | undefined;
    const colon = rest.indexOf(':');
    if (colon >= 0) {
      reason = rest.slice(colon + 1).trim() || undefined;
      rest = rest.slice(0, colon);
    }
    const rules = rest
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter((r) => /^[a-z0-9][a-z0-9-]*$/i.test(r));
    const comment = { start: commentStart, end: commentEnd };
    const base = { rules, comment, ...(reason ? { reason } : {}) };
    if (m[1]) {
      out.push({ scope: 'file', region: { start: 0, end: text.length }, ...base });
      continue;
    }
    const next = sorted.find((s) => s.start >= commentEnd);
    const containing = sorted.filter((s) => s.start < commentStart && s.end > commentEnd).sort((a, b) => a.end - a.start - (b.end - b.start))[0];
    let region: TextRange;
    if (containing && (!next || next.start >= containing.end)) region = { start: commentEnd, end: containing.end };
    else if (next) region = { start: commentEnd, end: next.end };
    else region = { start: commentEnd, end: commentEnd };
    out.push({ scope: 'statement', region, ...base });
  }
  return out;
}

/** True when a finding of `ruleId` starting at `start` is suppressed by one of `suppressions`. */
export function isSuppressed(suppressions: readonly Suppression[], ruleId: string, start: number): boolean {
  return suppressions.some(
    (s) => (s.rules.length === 0 || s.rules.includes(ruleId)) && (s.scope === 'file' || (start >= s.region.start && start < s.region.end)),
  );
}

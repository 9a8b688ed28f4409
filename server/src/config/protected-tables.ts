/**
 * `protectedTables` of `.migration-guard.json`: tables whose data the team can never lose. A data-loss finding on
 * one is raised to an error by `check`, the language server and the safe upgrade alike.
 */

/**
 * Rules whose findings mean data may be lost: on a protected table they are errors, and a real upgrade runs its
 * pre-flight for them (migrations/movements/preflight.ts DESTRUCTIVE_RULES adds `uninspectable-sql`).
 */
export const DATA_LOSS_RULES: ReadonlySet<string> = new Set(['ban-drop-table', 'ban-truncate', 'ban-drop-column', 'sqlite-table-rebuild', 'changing-column-type', 'ban-delete-without-where', 'ban-drop-database']);

/** Whether `table` (`t` or `s.t`, as SQL or the pre-flight names it) is one of `protectedTables` (case-insensitive; `s.t` matches `t` and back). */
export function isProtectedTable(table: string, protectedTables: readonly string[]): boolean {
  const name = table.toLowerCase();
  const last = name.split('.').pop() ?? name;
  return protectedTables.some((p) => {
    const q = p.trim().toLowerCase();
    return q === name || q === last || (q.split('.').pop() ?? q) === name;
  });
}

/**
 * The protected tables a finding of a data-loss rule names. The analyzer's findings carry no table field: the
 * rules quote the names in their messages (`DROP TABLE "accounts" …`, `Dropping column "c" from "accounts"`),
 * so the quoted names are matched (a column spelled like a protected table also matches: fail closed).
 */
export function protectedTablesNamed(finding: { ruleId: string; message: string }, protectedTables: readonly string[]): string[] {
  if (protectedTables.length === 0 || !DATA_LOSS_RULES.has(finding.ruleId)) return [];
  const names = [...finding.message.matchAll(/"((?:[^"]|"")+)"/g)].map((m) => (m[1] ?? '').replace(/""/g, '"'));
  return [...new Set(names.filter((n) => isProtectedTable(n, protectedTables)))];
}

/**
 * `findings` with every finding of a data-loss rule on a protected table raised to `error` and its message saying
 * so. Used by `check`, the language server and the safe upgrade alike. Returns new objects; others unchanged.
 */
export function protectFindings<T extends { ruleId: string; severity: string; message: string }>(findings: T[], protectedTables: readonly string[]): T[] {
  if (protectedTables.length === 0) return findings;
  return findings.map((f) => {
    const hit = protectedTablesNamed(f, protectedTables);
    if (hit.length === 0) return f;
    return { ...f, severity: 'error', message: `${f.message} ${hit.map((t) => `"${t}"`).join(', ')} is a protected table (.migration-guard.json protectedTables).` };
  });
}

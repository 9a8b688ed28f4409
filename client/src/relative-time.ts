/** Relative times for people ("2 days ago"), shared by the CodeLens, the database file guard and the restore pick. No `vscode` import. */

/**
 * `then` relative to `now`: "just now", "5 min ago", "3 h ago", "yesterday", "2 days ago", "5 weeks ago", "2 years ago";
 * a time in the future (a clock skew) reads "just now". Unparseable input is returned as given.
 * @param then ISO-8601 time (as the engine prints it) or a Date
 */
export function relativeTime(then: string | Date, now: Date = new Date()): string {
  const t = then instanceof Date ? then.getTime() : Date.parse(then);
  if (Number.isNaN(t)) return String(then);
  const seconds = Math.max(0, (now.getTime() - t) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${Math.max(1, minutes)} min ago`;
  const hours = Math.round(seconds / 3600);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(seconds / 86400);
  if (days === 1) return 'yesterday';
  if (days < 14) return `${days} days ago`;
  if (days < 60) return `${Math.round(days / 7)} weeks ago`;
  if (days < 730) return `${Math.round(days / 30.44)} months ago`;
  return `${Math.round(days / 365.25)} years ago`;
}

/** Bytes for people: "812 B", "24 KiB", "3.1 MiB", "1.2 GiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

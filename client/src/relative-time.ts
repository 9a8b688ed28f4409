/** Words for people — relative times ("2 days ago"), sizes, counted nouns — shared by the Revisions view, the status bar, the CodeLens, the Explorer badges, the database file guard and the backup picks. No `vscode` import. */

/**
 * `then` relative to `now` for people: "just now", "1 minute ago", "3 hours ago", "2 days ago", "2 months ago",
 * "2 years ago"; a time in the future (clock skew) reads "in 2 hours". The one wording of the Revisions view, the
 * CodeLens, the database file guard and the backup picks; the exact time belongs in a tooltip or beside it.
 * Unparseable input is returned as given.
 * @param then ISO-8601 time (as the engine prints it) or a Date
 * @param now a Date or milliseconds since the epoch
 */
export function relativeTime(then: string | Date, now: Date | number = Date.now()): string {
  const t = then instanceof Date ? then.getTime() : Date.parse(then);
  if (Number.isNaN(t)) return String(then);
  const seconds = Math.round(((typeof now === 'number' ? now : now.getTime()) - t) / 1000);
  const s = Math.abs(seconds);
  if (s < 45) return 'just now';
  const units: [number, string][] = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [86400 * 30, 'month'],
    [86400 * 365, 'year'],
  ];
  let value = 0;
  let unit = 'minute';
  for (let i = 0; i < units.length; i++) {
    const [size, name] = units[i]!;
    const next = units[i + 1];
    value = Math.round(s / size);
    unit = name;
    // The next unit from 95% of it on ("1 hour ago", not "58 minutes ago").
    if (!next || s < next[0] * 0.95) break;
  }
  const text = `${value} ${unit}${value === 1 ? '' : 's'}`;
  return seconds < 0 ? `in ${text}` : `${text} ago`;
}


/** `n` and the noun, plural unless `n` is 1: "1 migration", "3 migrations". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The subset of Python's `configparser` that `alembic.ini` uses, read without running Python: `[section]`
 * headers, `key = value` / `key: value`, indented continuation lines, full-line `#`/`;` comments, keys
 * lower-cased, and `%(name)s` interpolation from the same section, `[DEFAULT]`, and the `here` variable Alembic
 * passes (the ini's folder). Source: Python docs, "configparser — Configuration file parser"
 * (BasicInterpolation); Alembic docs, "The alembic.ini file" (`%(here)s`).
 */

/** Sections of an ini file: section name → (lower-cased key → raw value, continuation lines joined by `\n`). */
export type IniSections = Map<string, Map<string, string>>;

/** Parses ini text into raw sections. Never throws; malformed lines are skipped. */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(line) || line.trim() === '') {
      // configparser keeps blank lines inside a multi-line value only when indented; a blank ends nothing here.
      continue;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(line) && current && lastKey !== undefined) {
      current.set(lastKey, `${current.get(lastKey) ?? ''}\n${line.trim()}`);
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s?(.*)$/.exec(line);
    if (kv && current) {
      lastKey = kv[1]!.trim().toLowerCase();
      current.set(lastKey, kv[2]!.trim());
    }
  }
  return sections;
}

/**
 * The value of `key` in `section` with `%(name)s` interpolated (from the section, `[DEFAULT]`, then `vars`,
 * up to 10 levels like configparser's MAX_INTERPOLATION_DEPTH) and `%%` turned into `%`; undefined when absent.
 * A reference to an unknown name is left as written.
 */
export function iniValue(sections: IniSections, section: string, key: string, vars: Record<string, string> = {}): string | undefined {
  const own = sections.get(section);
  const defaults = sections.get('DEFAULT');
  const lookup = (name: string): string | undefined => own?.get(name.toLowerCase()) ?? defaults?.get(name.toLowerCase()) ?? vars[name];
  const raw = lookup(key);
  if (raw === undefined) return undefined;
  let value = raw;
  for (let depth = 0; depth < 10 && /%\([^)]+\)s/.test(value); depth++) {
    value = value.replace(/%\(([^)]+)\)s/g, (m, name: string) => lookup(name) ?? m);
  }
  return value.replace(/%%/g, '%');
}

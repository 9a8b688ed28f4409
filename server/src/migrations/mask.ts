/**
 * Masking of secrets in every string the engine shows: URLs (`scheme://user:secret@host`, unencoded `@` in the
 * secret included), libpq key/value strings and URL parameters (`password=secret`), `PGPASSWORD`, `password`
 * fields of objects, and any password value a loaded configuration registered with {@link registerSecret}.
 * Issue 13, item 7.
 */
import { clientFamily } from '../config/dialect';

const MASK = '****';
const secrets = new Set<string>();

/**
 * Remembers a password so that {@link maskText} replaces it wherever it appears
 * (for example inside a driver's error message). Values shorter than 4 characters are
 * not registered: replacing them everywhere would garble messages; URL and key/value
 * masking still applies to them.
 */
export function registerSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= 4 && value !== MASK) secrets.add(value);
}

/**
 * URL userinfo: `scheme://user:` then the password up to the LAST `@` of the URL (no whitespace or quotes in
 * between), so that unencoded `@ : / %` in a password (`postgres://app:p@ss:w/rd%@host/db`) are masked whole.
 * An `@` later in the same URL (in its query) makes the mask cover more, never less.
 */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"'<>]*:)[^\s"'<>]*@/gi;

/**
 * `password=value`, also `PGPASSWORD=` (an environment dump) and `sslpassword=` (libpq key/value strings, URL query
 * parameters): the value is '…' or "…" (backslash escapes), else it runs to whitespace, `&`, `;`, `#` or a quote,
 * which are kept, as are `)`, `,` and `.` right before them (prose: "(password=****)").
 */
const KEY_VALUE = /(\b(?:pg|ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;#"']+?(?=[),.]*(?:[\s&;#"']|$)))/gi;

/** `password: 'value'` / `"password": "value"` (JSON, JavaScript objects as Node prints them): the quoted value. */
const OBJECT_FIELD = /(["']?\b(?:pg|ssl)?password["']?\s*:\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)/gi;

/**
 * Replaces every password in `text` by `****`: URL userinfo ({@link URL_USERINFO}), `password=` / `?password=` /
 * `&password=` / `PGPASSWORD=` values and conninfo `password='a b'` ({@link KEY_VALUE}, the separator after the
 * value is kept), `password: '…'` fields of JSON and printed objects ({@link OBJECT_FIELD}), and every
 * registered secret ({@link registerSecret}). Pure apart from the registry.
 */
export function maskText(text: string): string {
  // Registered secrets first: a whole secret goes even where a pattern below would keep its trailing `)` or `.`.
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out
    .replace(URL_USERINFO, (_m, pre: string) => `${pre}${MASK}@`)
    .replace(KEY_VALUE, (m: string, pre: string) => `${pre}${quoteOf(m.slice(pre.length))}`)
    .replace(OBJECT_FIELD, (m: string, pre: string) => `${pre}${quoteOf(m.slice(pre.length))}`);
}

/** The mask, inside the quotes `value` had (a JSON string stays a JSON string). */
function quoteOf(value: string): string {
  const q = value[0];
  return q === '"' || q === "'" || q === '`' ? `${q}${MASK}${q}` : MASK;
}

/** Deep copy of a connection setting with every `password` field replaced by `****` and strings masked. */
export function maskValue<T>(value: T): T {
  if (typeof value === 'string') return maskText(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskValue(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = /^(pg|ssl)?pass(word)?$/i.test(k) && v != null ? MASK : maskValue(v);
    }
    return out as T;
  }
  return value;
}

/**
 * A one-line description of a Knex `connection` setting, password masked:
 * a URL stays a URL, `{ host, port, user, password, database }` becomes
 * `postgres://user:****@host:port/database`, `{ filename }` becomes the file name.
 */
export function describeConnection(client: string, connection: unknown): string {
  if (connection == null) return '(no connection)';
  if (typeof connection === 'string') return maskText(connection);
  if (typeof connection === 'function') return '(connection from a function)';
  if (typeof connection !== 'object') return maskText(String(connection));
  const c = connection as Record<string, unknown>;
  if (typeof c.filename === 'string') return maskText(c.filename);
  if (typeof c.connectionString === 'string') return maskText(c.connectionString);
  const scheme = clientFamily(client) === 'postgresql' ? 'postgres' : client;
  const user = typeof c.user === 'string' ? c.user : typeof c.username === 'string' ? c.username : '';
  const pass = c.password != null && c.password !== '' ? `:${MASK}` : '';
  const auth = user || pass ? `${encodeURIComponent(user)}${pass}@` : '';
  const host = typeof c.host === 'string' ? c.host : typeof c.server === 'string' ? c.server : 'localhost';
  const port = c.port != null ? `:${String(c.port)}` : '';
  const db = typeof c.database === 'string' ? `/${c.database}` : '';
  return `${scheme}://${auth}${host}${port}${db}`;
}

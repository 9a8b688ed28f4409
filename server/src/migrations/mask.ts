/**
 * Masking of secrets in every string the engine shows: URLs (`scheme://user:secret@host`),
 * libpq key/value strings (`password=secret`), `password` fields of objects, and any
 * password value a loaded configuration registered with {@link registerSecret}.
 */

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

/** Replaces passwords in URLs, `password=` pairs and registered secrets by `****`. Pure apart from the registry. */
export function maskText(text: string): string {
  let out = text
    // scheme://user:password@host  (password may contain anything but '@' and whitespace)
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s]*)@/gi, (_m, pre: string) => `${pre}${MASK}@`)
    // libpq key/value: password=secret or password='se cret'
    .replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;]+)/gi, (_m, pre: string) => `${pre}${MASK}`)
    // JSON-ish: "password": "secret"
    .replace(/("password"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, (_m, pre: string) => `${pre}"${MASK}"`);
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}

/** Deep copy of a connection setting with every `password` field replaced by `****` and strings masked. */
export function maskValue<T>(value: T): T {
  if (typeof value === 'string') return maskText(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskValue(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = /^pass(word)?$/i.test(k) && v != null ? MASK : maskValue(v);
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
  const scheme = /^(pg|postgres|postgresql|pgnative|cockroachdb)$/.test(client) ? 'postgres' : client;
  const user = typeof c.user === 'string' ? c.user : typeof c.username === 'string' ? c.username : '';
  const pass = c.password != null && c.password !== '' ? `:${MASK}` : '';
  const auth = user || pass ? `${encodeURIComponent(user)}${pass}@` : '';
  const host = typeof c.host === 'string' ? c.host : typeof c.server === 'string' ? c.server : 'localhost';
  const port = c.port != null ? `:${String(c.port)}` : '';
  const db = typeof c.database === 'string' ? `/${c.database}` : '';
  return `${scheme}://${auth}${host}${port}${db}`;
}

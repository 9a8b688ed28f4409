/**
 * `.migration-guard.json`: the JSON schema and the hand-written validator declare the same shape; valid
 * files load, invalid ones fail with a message naming the file and the key; the file is found upward
 * (stopping at the workspace folder); effectiveOptions applies config > settings, and --dialect over both.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CONFIG_FILE_NAME,
  ConfigCache,
  ConfigError,
  configDefaults,
  configShape,
  DEFAULT_POSTGRES_VERSION,
  effectiveOptions,
  findConfigFile,
  loadConfigFile,
  validateConfig,
} from '../../server/src/config';
import { defaultSettings } from '../../server/src/config';

interface JsonSchemaProperty {
  type: string;
  enum?: string[];
  items?: { type: string };
  minimum?: number;
  maximum?: number;
  default?: unknown;
  additionalProperties?: { type: string; enum: string[] };
  propertyNames?: { pattern: string };
}
const schemaPath = path.resolve(__dirname, '../../schemas/migration-guard.schema.json');
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as { type: string; additionalProperties: boolean; properties: Record<string, JsonSchemaProperty> };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-config-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

test('schema and loader declare the same keys, types, enums, bounds and defaults', () => {
  assert.equal(schema.type, 'object');
  assert.equal(schema.additionalProperties, false, 'unknown keys are rejected by both');
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(configShape).sort());
  for (const [key, shape] of Object.entries(configShape)) {
    const prop = schema.properties[key];
    assert.equal(prop.type, shape.type, `${key}: type`);
    if ('enum' in shape) assert.deepEqual([...(prop.enum ?? [])].sort(), [...shape.enum].sort(), `${key}: enum`);
    if ('items' in shape) assert.equal(prop.items?.type, shape.items, `${key}: items`);
    if ('minimum' in shape) assert.deepEqual([prop.minimum, prop.maximum], [shape.minimum, shape.maximum], `${key}: bounds`);
    if ('valueEnum' in shape) {
      assert.deepEqual([...(prop.additionalProperties?.enum ?? [])].sort(), [...shape.valueEnum].sort(), `${key}: severities`);
      assert.equal(prop.propertyNames?.pattern, shape.keyPattern.source, `${key}: rule id pattern`);
    }
  }
  assert.deepEqual(schema.properties.include.default, configDefaults.include);
  assert.deepEqual(schema.properties.exclude.default, configDefaults.exclude);
  assert.equal(schema.properties.postgresVersion.default, DEFAULT_POSTGRES_VERSION);
  assert.equal(schema.properties.dialect.default, configDefaults.dialect);
});

test('a valid config loads (the shape the schema accepts, with $schema and a BOM)', () => {
  const valid = {
    $schema: './schemas/migration-guard.schema.json',
    dialect: 'sqlite',
    rules: { 'ban-drop-table': 'warning', 'require-lock-timeout': 'error', 'ban-truncate': 'off', 'renaming-column': 'info' },
    include: ['db/**/*.sql'],
    exclude: ['db/legacy/**'],
    postgresVersion: 16,
  };
  // Each value also satisfies the schema's own declarations.
  for (const [key, value] of Object.entries(valid)) {
    const prop = schema.properties[key];
    if (prop.enum) assert.ok(prop.enum.includes(value as string), key);
    if (prop.additionalProperties) for (const v of Object.values(value as object)) assert.ok(prop.additionalProperties.enum.includes(v as string), key);
  }
  const file = write('valid/' + CONFIG_FILE_NAME, `\ufeff${JSON.stringify(valid)}`);
  const loaded = loadConfigFile(file);
  assert.equal(loaded.file, file);
  assert.equal(loaded.dir, path.dirname(file));
  assert.deepEqual(loaded.config, valid);
  assert.deepEqual(validateConfig({}, 'x.json'), {});
});

const invalid: { name: string; value: unknown; message: RegExp }[] = [
  { name: 'not an object', value: [], message: /must be a JSON object, not an array/ },
  { name: 'unknown key', value: { dialects: 'sqlite' }, message: /unknown key "dialects" \(allowed: .*dialect/ },
  { name: 'bad dialect', value: { dialect: 'mysql' }, message: /"dialect" must be one of auto, postgresql, sqlite, not "mysql"/ },
  { name: 'bad severity', value: { rules: { 'ban-drop-table': 'fatal' } }, message: /"rules\.ban-drop-table" must be one of off, info, warning, error, not "fatal"/ },
  { name: 'numeric severity', value: { rules: { 'ban-drop-table': 2 } }, message: /"rules\.ban-drop-table" must be one of .* not a number/ },
  { name: 'bad rule id', value: { rules: { 'Ban Drop': 'off' } }, message: /"Ban Drop" is not a rule id/ },
  { name: 'rules as array', value: { rules: ['ban-drop-table'] }, message: /"rules" must be an object/ },
  { name: 'include not strings', value: { include: ['a', 3] }, message: /"include" must be an array of glob strings/ },
  { name: 'exclude as string', value: { exclude: '**/x' }, message: /"exclude" must be an array/ },
  { name: 'version as string', value: { postgresVersion: '15' }, message: /"postgresVersion" must be a number, not "15"/ },
  { name: 'version out of range', value: { postgresVersion: 8 }, message: /between 9 and 100, not 8/ },
];
for (const c of invalid) {
  test(`an invalid config is rejected with a clear error: ${c.name}`, () => {
    const file = write(`invalid-${c.name.replace(/\W+/g, '-')}/${CONFIG_FILE_NAME}`, JSON.stringify(c.value));
    assert.throws(
      () => loadConfigFile(file),
      (e: unknown) => e instanceof ConfigError && e.file === file && e.message.startsWith(`${file}: `) && c.message.test(e.message),
    );
  });
}

test('invalid JSON names the file', () => {
  const file = write(`broken/${CONFIG_FILE_NAME}`, '{ "dialect": "sqlite", }');
  assert.throws(() => loadConfigFile(file), (e: unknown) => e instanceof ConfigError && /is not valid JSON/.test(e.message) && e.message.includes(file));
});

test('the config file is found upward, and the search stops at the workspace folder', () => {
  const config = write(`up/${CONFIG_FILE_NAME}`, '{}');
  const deep = path.join(tmp, 'up', 'a', 'b', 'c');
  fs.mkdirSync(deep, { recursive: true });
  assert.equal(findConfigFile(deep), config);
  assert.equal(findConfigFile(deep, path.join(tmp, 'up')), config, 'the stop folder itself is searched');
  assert.equal(findConfigFile(deep, path.join(tmp, 'up', 'a')), null, 'nothing above the stop folder');
  const nearer = write(`up/a/b/${CONFIG_FILE_NAME}`, '{}');
  assert.equal(findConfigFile(deep), nearer, 'the nearest wins');
});

test('effectiveOptions: config first, settings only without a config file, --dialect overrides both', () => {
  const root = path.join(tmp, 'eff');
  write(`eff/project/${CONFIG_FILE_NAME}`, JSON.stringify({ dialect: 'sqlite', rules: { 'ban-drop-table': 'off' }, include: ['db/**/*.sql'], exclude: ['db/old/**'], postgresVersion: 13 }));
  const inDb = write('eff/project/db/001.sql', '');
  const cache = new ConfigCache();
  const settings = { ...defaultSettings, dialect: 'postgresql' as const };

  const o = effectiveOptions({ filePath: inDb, stopDir: root, settings, cache });
  assert.equal(o.configFile, path.join(root, 'project', CONFIG_FILE_NAME));
  assert.equal(o.dialect, 'sqlite', 'config dialect beats the settings');
  assert.deepEqual(o.rules, { 'ban-drop-table': 'off' });
  assert.equal(o.postgresVersion, 13);
  assert.equal(o.included, true);

  assert.equal(effectiveOptions({ filePath: inDb, settings, dialectOverride: 'postgresql', cache }).dialect, 'postgresql', '--dialect overrides');
  assert.equal(effectiveOptions({ filePath: write('eff/project/db/old/1.sql', ''), cache }).included, false, 'exclude, relative to the config folder');
  assert.equal(effectiveOptions({ filePath: write('eff/project/other/1.sql', ''), cache }).included, false, 'not in include');

  // No config file: the settings apply (relative to the workspace folder), with the defaults.
  const loose = write('eff/loose/migrations/1.js', '');
  const s = effectiveOptions({ filePath: loose, stopDir: path.join(root, 'loose'), settings, cache });
  assert.equal(s.configFile, null);
  assert.equal(s.dialect, 'postgresql');
  assert.deepEqual(s.rules, {});
  assert.equal(s.postgresVersion, DEFAULT_POSTGRES_VERSION);
  assert.equal(s.included, true);
  assert.equal(effectiveOptions({ filePath: write('eff/loose/src/app.js', ''), stopDir: path.join(root, 'loose'), settings, cache }).included, false, 'settings include');
  // The CLI passes no settings: no filtering, dialect auto → knexfile text → PostgreSQL here.
  assert.deepEqual(effectiveOptions({ filePath: write('eff/loose/src/app.js', ''), stopDir: path.join(root, 'loose') }).included, true);
});

test('effectiveOptions: auto dialect in a config reads the nearest knexfile as text', () => {
  write(`auto/${CONFIG_FILE_NAME}`, JSON.stringify({ dialect: 'auto' }));
  write('auto/knexfile.js', "module.exports = { client: 'sqlite3', connection: { filename: './dev.sqlite3' } };\n");
  assert.equal(effectiveOptions({ filePath: write('auto/migrations/1.js', '') }).dialect, 'sqlite');
});

test('effectiveOptions throws ConfigError for an invalid config; the cache keeps the verdict until cleared', () => {
  const cfg = write(`bad/${CONFIG_FILE_NAME}`, JSON.stringify({ rules: { 'ban-drop-table': 'loud' } }));
  const file = write('bad/x.sql', '');
  const cache = new ConfigCache();
  assert.throws(() => effectiveOptions({ filePath: file, cache }), ConfigError);
  fs.writeFileSync(cfg, JSON.stringify({ rules: { 'ban-drop-table': 'info' } }));
  assert.throws(() => effectiveOptions({ filePath: file, cache }), ConfigError, 'cached');
  cache.clear();
  assert.deepEqual(effectiveOptions({ filePath: file, cache }).rules, { 'ban-drop-table': 'info' });
});

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, initAnalyzer } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';

before(async () => {
  await initAnalyzer();
});

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  "DROP TABLE a; ALTER TABLE b DROP COLUMN c, ADD COLUMN d text NOT NULL; CREATE INDEX i ON b(d); TRUNCATE e; -- café ☕\nSELECT $$x$$, 'y', E'\\n';",
  "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET c = 1; END; ALTER TABLE a RENAME COLUMN x TO y; /* 😀 */",
  "exports.up = async function (knex) { await knex.schema.alterTable('u', (t) => { t.string('e').notNullable(); t.dropColumn('a'); t.integer('n').alter(); }); await knex.raw('DROP TABLE x; selec'); await knex('t').truncate(); };\nexports.down = () => {};",
  "export async function up(db: Knex) { await db.schema.createTable('x', t => { t.index('a') }); await db.raw(`CREATE INDEX i ON y(a)`); }",
  "BEGIN; DELETE FROM a; UPDATE b SET c = 1; DROP INDEX CONCURRENTLY i; COMMIT; DROP SCHEMA s CASCADE; ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id), ALTER c SET NOT NULL, ADD d uuid DEFAULT gen_random_uuid(); -- migration-guard-ignore ban-truncate\nSET lock_timeout = '1s';",
  "DO $$ BEGIN IF x THEN DROP TABLE {{ .Schema }}.a; END IF; END $$; CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN DELETE FROM ${t}; END $f$; ALTER TABLE a RENAME TO b;",
  "exports.config = { transaction: false };\nexports.up = async (knex) => { await knex('a').del(); await knex('b').where('x', 1).update({ y: 2 }); await knex.schema.renameTable('c', 'd'); await knex.schema.alterTable('e', (t) => { t.setNullable('f'); t.dropIndex(['g']); t.foreign('h').references('i.id'); t.uuid('j').defaultTo(knex.fn.uuid()); }); await knex.raw('BEGIN; CREATE INDEX CONCURRENTLY k ON l (m); COMMIT'); await knex.raw(sql); };",
];
const ALPHABET = ['{{', '}}', 'DO', 'COMMIT', '(', ')', ';', "'", '"', '`', '$$', '$', '--', '/*', '*/', '\\', '\n', '\r', ' ', 'é', '😀', '\ud800', '\0', '{', '}', '=>', ',', '.', 'DROP', 'TABLE', 'BEGIN', 'END', '${', '?'];

function mutate(text: string, r: () => number): string {
  let out = text;
  const n = 1 + Math.floor(r() * 6);
  for (let k = 0; k < n; k++) {
    const pos = Math.floor(r() * (out.length + 1));
    const op = r();
    if (op < 0.4) out = out.slice(0, pos) + ALPHABET[Math.floor(r() * ALPHABET.length)]! + out.slice(pos);
    else if (op < 0.7) out = out.slice(0, pos) + out.slice(pos + 1 + Math.floor(r() * 5));
    else out = out.slice(0, pos);
  }
  return out;
}

const OPTIONS: AnalyzeOptions[] = [
  { fileName: 'm.sql', dialect: 'postgresql' },
  { fileName: 'm.sql', dialect: 'sqlite' },
  { fileName: 'm.js', dialect: 'postgresql' },
  { fileName: 'm.ts', dialect: 'sqlite' },
];

void describe('analyze never throws', () => {
  void it('on random and mutated inputs, returning sorted in-range findings', () => {
    const r = rng(42);
    let runs = 0;
    for (let i = 0; i < 200; i++) {
      const seed = SEEDS[i % SEEDS.length]!;
      const text =
        i % 5 === 4
          ? Array.from({ length: Math.floor(r() * 80) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join('')
          : mutate(seed, r);
      for (const options of OPTIONS) {
        const findings = analyze(text, options);
        runs++;
        for (let k = 0; k < findings.length; k++) {
          const f = findings[k]!;
          assert.notEqual(f.ruleId, 'analyzer-error', `no parser or rule crashed: ${f.message} on ${JSON.stringify(text)}`);
          assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `range in text: ${JSON.stringify(text)}`);
          for (const e of f.fix?.edits ?? []) assert.ok(e.start >= 0 && e.start <= e.end && e.end <= text.length, `fix edit in text: ${JSON.stringify(text)}`);
          if (k > 0) assert.ok(findings[k - 1]!.start <= f.start, 'sorted by start');
        }
      }
    }
    assert.equal(runs, 800);
  });

  void it('on empty text, unknown extensions and odd options', () => {
    assert.deepEqual(analyze('', { fileName: 'a.sql' }), []);
    assert.deepEqual(analyze('DROP TABLE a;', { fileName: 'notes.txt' }), []);
    assert.deepEqual(analyze('DROP TABLE a;', { fileName: '' }), []);
    assert.equal(analyze('DROP TABLE a;', { fileName: 'anything', kind: 'sql' }).length, 1);
    // No text is no verdict: fail closed (issue 12).
    assert.deepEqual(analyze(undefined as unknown as string, { fileName: 'a.sql' }).map((f) => [f.ruleId, f.severity]), [['analyzer-error', 'error']]);
    assert.deepEqual(analyze('x'.repeat(10000) + ';'.repeat(2000), { fileName: 'a.sql', dialect: 'postgresql' }).length, 1);
  });

  void it('honours severity overrides and off', () => {
    const text = 'DROP TABLE a; TRUNCATE b;';
    const found = analyze(text, { fileName: 'a.sql', rules: { 'ban-drop-table': 'warning', 'ban-truncate': 'off' } });
    assert.deepEqual(found.map((f) => [f.ruleId, f.severity]), [['ban-drop-table', 'warning']]);
  });
});

void describe('names that are Object.prototype members', () => {
  // A lookup in a plain object found `hasOwnProperty` / `constructor` and the parser threw: the whole file became one
  // analyzer-error instead of its findings.
  const cases: Array<[string, AnalyzeOptions]> = [
    ["exports.up = (knex) => knex.schema.alterTable('u', (t) => { t.hasOwnProperty('x'); t.constructor('y'); t.dropColumn('a'); });\nexports.down = () => {};", { fileName: '001_proto.js', dialect: 'postgresql' }],
    ["def upgrade():\n    op.add_column('u', sa.Column('x', sa.Constructor(), nullable=False))\n    op.drop_column('u', 'a')\n", { fileName: 'versions/001_proto.py', dialect: 'postgresql' }],
    ["exports.up = (pgm) => { pgm.addColumns('u', { x: { type: 'constructor', notNull: true } }); pgm.dropColumns('u', ['a']); };\n", { fileName: 'migrations/001_proto.js', dialect: 'postgresql', runner: 'node-pg-migrate' } as AnalyzeOptions],
  ];
  for (const [text, options] of cases) {
    void it(`${options.fileName}: no analyzer-error, the drop is still found`, () => {
      const ids = analyze(text, options).map((f) => f.ruleId);
      assert.ok(!ids.includes('analyzer-error'), ids.join(', '));
      assert.ok(ids.includes('ban-drop-column'), ids.join(', '));
    });
  }
});

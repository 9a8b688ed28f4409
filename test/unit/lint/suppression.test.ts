import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initAnalyzer } from '../../../server/src/lint';
import { findSuppressions } from '../../../server/src/lint/suppression';
import { hits, knexPg, knexUp, lite, pg } from './helpers';

before(async () => {
  await initAnalyzer();
});

void describe('suppression comments', () => {
  void it('-- migration-guard-ignore <rule> suppresses only the next statement', () => {
    const text = '-- migration-guard-ignore ban-drop-table: archived in JIRA-12\nDROP TABLE a;\nDROP TABLE b;';
    assert.deepEqual(hits(text, pg), [['ban-drop-table', 'DROP TABLE b']]);
  });

  void it('lists several rules, and leaves other rules active', () => {
    const text = '-- migration-guard-ignore ban-drop-column, renaming-column\nALTER TABLE u DROP COLUMN a, ADD COLUMN b int NOT NULL;';
    assert.deepEqual(hits(text, pg), [['adding-required-field', 'ADD COLUMN b int NOT NULL']]);
  });

  void it('without rule ids, suppresses every rule for the next statement', () => {
    assert.deepEqual(hits('-- migration-guard-ignore\nTRUNCATE a;\nTRUNCATE b;', pg), [['ban-truncate', 'TRUNCATE b']]);
  });

  void it('inside a multi-line statement (as the LSP quick fix inserts it), covers that statement only', () => {
    const text = 'ALTER TABLE users\n  -- migration-guard-ignore ban-drop-column: reviewed\n  DROP COLUMN age;\nALTER TABLE users DROP COLUMN b;';
    assert.deepEqual(hits(text, pg), [['ban-drop-column', 'DROP COLUMN b']]);
  });

  void it('-- migration-guard-ignore-file suppresses the rule in the whole file, before and after the comment', () => {
    const text = 'DROP TABLE a;\n-- migration-guard-ignore-file ban-drop-table\nDROP TABLE b;\nALTER TABLE c DROP COLUMN d;';
    assert.deepEqual(hits(text, pg), [['ban-drop-column', 'DROP COLUMN d']]);
    assert.deepEqual(hits(text, lite), [['ban-drop-column', 'DROP COLUMN d']]);
  });

  void it('// comments in Knex migrations: statement and file forms', () => {
    const text = knexUp("  // migration-guard-ignore ban-drop-table: reviewed\n  await knex.schema.dropTable('a');\n  await knex.schema.dropTable('b');");
    assert.deepEqual(hits(text, knexPg), [['ban-drop-table', "knex.schema.dropTable('b')"]]);
    const inBuilder = knexUp("  await knex.schema.alterTable('u', (t) => {\n    // migration-guard-ignore ban-drop-column\n    t.dropColumn('a');\n    t.dropColumn('b');\n  });");
    assert.deepEqual(hits(inBuilder, knexPg), [['ban-drop-column', "t.dropColumn('b')"]]);
    const fileWide = `// migration-guard-ignore-file missing-down, ban-drop-table\nexports.up = (knex) => knex.schema.dropTable('a');`;
    assert.deepEqual(hits(fileWide, knexPg), []);
  });

  void it('-- comments inside knex.raw SQL apply to the next SQL statement', () => {
    const text = knexUp('  await knex.raw(`\n    -- migration-guard-ignore ban-drop-table\n    DROP TABLE a;\n    DROP TABLE b;\n  `);');
    assert.deepEqual(hits(text, knexPg), [['ban-drop-table', 'DROP TABLE b']]);
  });

  void it('parses # and /* */ forms, reasons and rule lists', () => {
    const s = findSuppressions('# migration-guard-ignore a-rule, b-rule: because\n/* migration-guard-ignore-file c */\nx', []);
    assert.deepEqual(
      s.map((x) => [x.scope, x.rules, x.reason ?? null]),
      [
        ['statement', ['a-rule', 'b-rule'], 'because'],
        ['file', ['c'], null],
      ],
    );
  });

  void it('a similar but different word does not suppress', () => {
    assert.deepEqual(hits('-- migration-guard-ignored ban-drop-table\nDROP TABLE a;', pg), [['ban-drop-table', 'DROP TABLE a']]);
  });
});

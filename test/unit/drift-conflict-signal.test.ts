/** The upgrade's cheap drift-conflict signal (migrations/movements/drift-conflict.ts `mayConflict`): which pending files get parsed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayConflict, type Catalog } from '../../server/src/migrations/movements/drift-conflict';

const catalog: Catalog = { tables: new Map([['users', new Set(['id', 'email', 'nickname'])]]), indexes: new Set(['users_email_idx']) };
const norm = (s: string) => s.toLowerCase();
const may = (text: string) => mayConflict(text, catalog, norm);

void describe('drift-conflict signal', () => {
  void it('parses a file that may create a live name, or alter a table the database lacks', () => {
    assert.equal(may("knex.schema.alterTable('users', (t) => { t.text('nickname'); })"), true, 'adds a live column');
    assert.equal(may("knex.schema.createTable('users', (t) => { t.increments('key'); })"), true, 'creates a live table');
    assert.equal(may("knex.raw('CREATE TABLE IF NOT EXISTS \"Users\" (id int)')"), true, 'SQL, quoted, case-insensitive on SQLite');
    assert.equal(may("knex.schema.alterTable('posts', (t) => { t.text('body'); })"), true, 'alters a table the database lacks');
    assert.equal(may("knex.raw('create index users_email_idx on users (email)')"), true, 'names a live index');
    assert.equal(may('const T = "users"; knex.schema.alterTable(T, (t) => { t.text("x"); })'), true, 'a table the scan cannot read');
  });

  void it('skips a file that only creates new names', () => {
    assert.equal(may("knex.schema.createTable('audit', (t) => { t.increments('id'); t.integer('user_id').references('id').inTable('users'); })"), false);
    assert.equal(may("knex.schema.alterTable('users', (t) => { t.string('phone'); })"), false);
    assert.equal(mayConflict("knex.schema.alterTable('posts', (t) => { t.text('body'); })", catalog, norm, new Set(['posts'])), false, 'a table an earlier pending file creates');
  });
});

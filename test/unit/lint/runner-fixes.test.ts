/**
 * Quick fixes in Knex and Alembic code (server/src/lint/rules/runner-fixes.ts): each edit applied to the text gives
 * the expected source, and the re-analysed source no longer has the finding (nor a syntax error); texts the fixes do
 * not know get no fix.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, applyEdits, initAnalyzer } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';
import { knexPg, knexUp } from './helpers';

before(async () => {
  await initAnalyzer();
});

const py: AnalyzeOptions = { fileName: 'versions/1a2b_change.py', dialect: 'postgresql' };

/** An Alembic revision whose upgrade() runs `body`. */
function rev(body: string): string {
  return `"""change\n\nRevision ID: 1a2b\nRevises: 0000\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '1a2b'\ndown_revision = '0000'\n\n\ndef upgrade() -> None:\n${body}\n\n\ndef downgrade() -> None:\n    op.execute('SELECT 1')\n`;
}

/** The fix of the first `ruleId` finding applied; asserts the finding is gone from the re-analysed text, with no new syntax error. */
function fixed(ruleId: string, text: string, options: AnalyzeOptions, title: RegExp): string {
  const finding = analyze(text, options).find((f) => f.ruleId === ruleId);
  assert.ok(finding, `${ruleId} fires on:\n${text}`);
  assert.ok(finding.fix, `${ruleId} has a fix on:\n${text}`);
  assert.match(finding.fix.title, title);
  const out = applyEdits(text, finding.fix.edits);
  const after = analyze(out, options);
  assert.deepEqual(after.filter((f) => f.ruleId === ruleId || f.ruleId === 'syntax-error' || f.ruleId === 'concurrently-in-transaction').map((f) => f.ruleId), [], out);
  return out;
}

function fixOf(ruleId: string, text: string, options: AnalyzeOptions) {
  const finding = analyze(text, options).find((f) => f.ruleId === ruleId);
  assert.ok(finding, `${ruleId} fires on:\n${text}`);
  return finding.fix;
}

void describe('Knex: adding-required-field → nullable', () => {
  void it('turns the one .notNullable() into .nullable() with a note to backfill', () => {
    const text = knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.string('email', 200).notNullable().index();\n  });");
    const out = fixed('adding-required-field', text, knexPg, /nullable/);
    assert.equal(
      out,
      knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.string('email', 200).nullable() /* backfill existing rows, then make it NOT NULL in a later migration */.index();\n  });"),
    );
  });

  void it('offers no fix on a primary key or with two .notNullable() links', () => {
    assert.equal(fixOf('adding-required-field', knexUp("  await knex.schema.alterTable('users', (t) => { t.integer('n').notNullable().primary(); });"), knexPg), undefined);
    assert.equal(fixOf('adding-required-field', knexUp("  await knex.schema.alterTable('users', (t) => { t.integer('n').notNullable().notNullable(); });"), knexPg), undefined);
  });
});

void describe('Alembic: adding-required-field → nullable=True', () => {
  void it('sets nullable=True and says what comes next, above the call', () => {
    const text = rev("    op.add_column('users', sa.Column('email', sa.String(200), nullable=False))");
    const out = fixed('adding-required-field', text, py, /nullable/);
    assert.equal(
      out,
      rev("    # Nullable for now: backfill existing rows, then op.alter_column(..., nullable=False) in a later migration.\n    op.add_column('users', sa.Column('email', sa.String(200), nullable=True))"),
    );
  });

  void it('offers no fix when a comment sits inside the call or the call shares its line', () => {
    assert.equal(fixOf('adding-required-field', rev("    op.add_column(\n        'users',  # the table\n        sa.Column('email', sa.String(), nullable=False),\n    )"), py), undefined);
    assert.equal(fixOf('adding-required-field', rev("    x = 1; op.add_column('users', sa.Column('email', sa.String(), nullable=False))"), py), undefined);
  });
});

void describe('Alembic: require-concurrent-index-creation → postgresql_concurrently=True', () => {
  void it('adds the keyword and wraps the call in autocommit_block()', () => {
    const text = rev("    op.create_index('ix_users_email', 'users', ['email'])");
    const out = fixed('require-concurrent-index-creation', text, py, /concurrently/);
    assert.equal(out, rev("    with op.get_context().autocommit_block():\n        op.create_index('ix_users_email', 'users', ['email'], postgresql_concurrently=True)"));
  });

  void it('indents a call over several lines and keeps a trailing comma valid', () => {
    const text = rev("    op.create_index(\n        op.f('ix_users_email'),\n        'users',\n        ['email'],\n        unique=False,\n    )");
    const out = fixed('require-concurrent-index-creation', text, py, /concurrently/);
    assert.equal(
      out,
      rev("    with op.get_context().autocommit_block():\n        op.create_index(\n            op.f('ix_users_email'),\n            'users',\n            ['email'],\n            unique=False, postgresql_concurrently=True\n        )"),
    );
  });

  void it('only adds the keyword inside an autocommit_block already', () => {
    const text = rev("    with op.get_context().autocommit_block():\n        op.create_index('ix_users_email', 'users', ['email'])");
    const out = fixed('require-concurrent-index-creation', text, py, /concurrently/);
    assert.equal(out, rev("    with op.get_context().autocommit_block():\n        op.create_index('ix_users_email', 'users', ['email'], postgresql_concurrently=True)"));
  });

  void it('offers no fix for a batch operation or a call with a multi-line string', () => {
    assert.equal(fixOf('require-concurrent-index-creation', rev("    with op.batch_alter_table('users') as batch_op:\n        batch_op.create_index('ix', ['email'])"), py), undefined);
    assert.equal(fixOf('require-concurrent-index-creation', rev("    op.create_index('ix', 'users', ['email'], postgresql_where=sa.text('''\n    active\n    '''))"), py), undefined);
  });
});

void describe('Knex: require-concurrent-index-creation → knex.raw CREATE INDEX CONCURRENTLY', () => {
  void it('replaces an alterTable that only adds the index, with the name Knex gives it, and turns the transaction off', () => {
    const text = knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.index(['last_name', 'first_name']);\n  });");
    const out = fixed('require-concurrent-index-creation', text, knexPg, /concurrently/);
    assert.equal(out, `${knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.index(['last_name', 'first_name']);\n  });").replace("knex.schema.alterTable('users', (t) => {\n    t.index(['last_name', 'first_name']);\n  })", `knex.raw('CREATE INDEX CONCURRENTLY "users_last_name_first_name_index" ON "users" ("last_name", "first_name")')`)}exports.config = { transaction: false };\n`);
  });

  void it('keeps a given index name; works in an expression-bodied up()', () => {
    const text = "exports.up = (db) => db.schema.table('orders', (t) => t.index('status', 'orders_by_status'));\nexports.down = (db) => db.schema.table('orders', (t) => t.dropIndex('status', 'orders_by_status'));\n";
    const out = fixed('require-concurrent-index-creation', text, knexPg, /concurrently/);
    assert.equal(out, `exports.up = (db) => db.raw('CREATE INDEX CONCURRENTLY "orders_by_status" ON "orders" ("status")');\nexports.down = (db) => db.schema.table('orders', (t) => t.dropIndex('status', 'orders_by_status'));\nexports.config = { transaction: false };\n`);
  });

  void it('offers no fix when the callback does more, the call is chained, or the index has options', () => {
    const none = (body: string) => assert.equal(fixOf('require-concurrent-index-creation', knexUp(body), knexPg), undefined, body);
    none("  await knex.schema.alterTable('users', (t) => {\n    t.string('nick');\n    t.index(['email']);\n  });");
    none("  await knex.schema.withSchema('app').alterTable('users', (t) => { t.index(['email']); });");
    none("  await knex.schema.alterTable('users', (t) => { t.index(['email'], 'ix', { indexType: 'UNIQUE' }); });");
    none("  await knex.schema.alterTable('users', (t) => { t.unique(['email']); });");
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, initAnalyzer, parseDocument } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';
import { of, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

const py: AnalyzeOptions = { fileName: 'versions/1a2b_change.py', dialect: 'postgresql' };
const pyLite: AnalyzeOptions = { fileName: 'versions/1a2b_change.py', dialect: 'sqlite' };

/** An Alembic revision whose upgrade() runs `body` and whose downgrade() does real work. */
function rev(body: string, down = "    op.execute('SELECT 1')"): string {
  return `"""change\n\nRevision ID: 1a2b\nRevises: 0000\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '1a2b'\ndown_revision = '0000'\n\n\ndef upgrade() -> None:\n${body}\n\n\ndef downgrade() -> None:\n${down}\n`;
}

void describe('Alembic: parsing', () => {
  void it('dispatches .py files to the Alembic parser and marks up/down phases', () => {
    const text = rev("    op.drop_table('a')", "    op.drop_table('b')");
    const ops = parseDocument(text, py).operations.map((o) => [o.type, o.phase, o.origin, text.slice(o.range.start, o.range.end)]);
    assert.deepEqual(ops, [
      ['dropTable', 'up', 'alembic', "op.drop_table('a')"],
      ['dropTable', 'down', 'alembic', "op.drop_table('b')"],
    ]);
  });

  void it('ignores op calls outside upgrade()/downgrade() and on other receivers', () => {
    const text = `op.drop_table('x')\n\ndef helper():\n    op.drop_table('y')\n\ndef upgrade():\n    other.drop_table('z')\n    op.drop_table('w')\n`;
    assert.deepEqual(snippets('ban-drop-table', text, py), ["op.drop_table('w')"]);
  });

  void it('gives exact UTF-16 ranges after non-ASCII text (comments, docstrings, astral characters)', () => {
    const text = rev("    # Supprimer l'ancienne table — café 😀\n    op.drop_table('légacy')  # 表");
    const f = of('ban-drop-table', text, py);
    assert.equal(f.length, 1);
    assert.equal(text.slice(f[0]!.start, f[0]!.end), "op.drop_table('légacy')");
    assert.equal(f[0]!.start, text.indexOf('op.drop_table'));
  });

  void it('never throws on half-typed files and still finds complete calls', () => {
    const partials = [
      "def upgrade():\n    op.drop_table('users')\n    op.alter_column('t', ",
      "def upgrade():\n    op.drop_table('users')\n    op.execute(\"\"\"DROP TABLE x",
      "def upgrade(:\n    op.drop_table('users')\n",
      'def upgrade():\n    with op.get_context().autocommit_block(',
      "def downgrade():\n    op.execute(f'{",
      '',
      '\ud800\0\\',
    ];
    for (const text of partials) {
      const findings = analyze(text, py);
      for (const f of findings) assert.ok(f.start >= 0 && f.end <= text.length && f.start <= f.end);
    }
    assert.deepEqual(snippets('ban-drop-table', partials[0]!, py), ["op.drop_table('users')"]);
    assert.deepEqual(snippets('ban-drop-table', partials[1]!, py), ["op.drop_table('users')"]);
  });

  void it('survives random mutations of a revision file', () => {
    const base = readFileSync(path.join(__dirname, '../../fixtures/alembic/missing/versions/3c0002_orphan.py'), 'utf8') + rev("    op.execute(sa.text('''DROP TABLE a; CREATE INDEX i ON t(c)'''))\n    with op.batch_alter_table('t') as b:\n        b.drop_column('c')");
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pieces = ['(', ')', "'", '"""', '\n', '    ', ':', 'é', '😀', '\\', 'f"', '{', 'op.', 'def ', '#'];
    for (let i = 0; i < 150; i++) {
      let text = base;
      for (let k = 0; k < 4; k++) {
        const pos = Math.floor(rand() * text.length);
        text = rand() < 0.5 ? text.slice(0, pos) + pieces[Math.floor(rand() * pieces.length)]! + text.slice(pos) : text.slice(0, pos) + text.slice(pos + 1 + Math.floor(rand() * 6));
      }
      const t0 = performance.now();
      const findings = analyze(text, py);
      assert.ok(performance.now() - t0 < 200, 'within 200 ms');
      for (const f of findings) assert.ok(f.start >= 0 && f.end <= text.length && f.start <= f.end);
    }
  });
});

void describe('Alembic: op.drop_table → ban-drop-table', () => {
  void it('fires on drop_table in upgrade(), with or without schema', () => {
    const text = rev("    op.drop_table('users')\n    op.drop_table('accounts', schema='billing')");
    assert.deepEqual(snippets('ban-drop-table', text, py), ["op.drop_table('users')", "op.drop_table('accounts', schema='billing')"]);
    assert.match(of('ban-drop-table', text, py)[1]!.message, /"billing"\."accounts"/);
  });
  void it('does not fire in downgrade() or for a table created earlier in upgrade()', () => {
    assert.deepEqual(snippets('ban-drop-table', rev("    op.execute('SELECT 1')", "    op.drop_table('users')"), py), []);
    assert.deepEqual(snippets('ban-drop-table', rev("    op.create_table('tmp', sa.Column('id', sa.Integer()))\n    op.drop_table('tmp')"), py), []);
  });
});

void describe('Alembic: op.drop_column → ban-drop-column', () => {
  void it('fires on op.drop_column and batch_op.drop_column', () => {
    const text = rev("    op.drop_column('users', 'email')\n    with op.batch_alter_table('orders') as batch_op:\n        batch_op.drop_column('note')");
    assert.deepEqual(snippets('ban-drop-column', text, py), ["op.drop_column('users', 'email')", "batch_op.drop_column('note')"]);
    assert.match(of('ban-drop-column', text, py)[1]!.message, /"note" from "orders"/);
  });
  void it('does not fire in downgrade() or on a new table', () => {
    assert.deepEqual(snippets('ban-drop-column', rev("    op.execute('SELECT 1')", "    op.drop_column('users', 'email')"), py), []);
    assert.deepEqual(snippets('ban-drop-column', rev("    op.create_table('t', sa.Column('a', sa.Text()))\n    op.drop_column('t', 'a')"), py), []);
  });
});

void describe('Alembic: op.alter_column(type_=…) → changing-column-type', () => {
  void it('fires on a real type change', () => {
    const text = rev("    op.alter_column('users', 'age', type_=sa.BigInteger(), existing_type=sa.Integer())\n    op.alter_column('users', 'code', type_=sa.Integer, postgresql_using='code::integer')");
    assert.deepEqual(snippets('changing-column-type', text, py), [
      "op.alter_column('users', 'age', type_=sa.BigInteger(), existing_type=sa.Integer())",
      "op.alter_column('users', 'code', type_=sa.Integer, postgresql_using='code::integer')",
    ]);
    assert.match(of('changing-column-type', text, py)[0]!.message, /to int8/);
  });
  void it('does not fire on varchar widening or text (metadata-only), nor without type_', () => {
    const text = rev("    op.alter_column('users', 'name', type_=sa.String(200), existing_type=sa.String(100))\n    op.alter_column('users', 'bio', type_=sa.Text(), existing_type=sa.String(50))\n    op.alter_column('users', 'x', server_default='a')");
    assert.deepEqual(snippets('changing-column-type', text, py), []);
  });
});

void describe('Alembic: op.alter_column(nullable=…) → adding-not-nullable-field / ban-drop-not-null', () => {
  void it('nullable=False is SET NOT NULL on an existing table', () => {
    const text = rev("    op.alter_column('users', 'email', nullable=False)\n    op.alter_column('users', 'name', existing_type=sa.Text(), nullable=False)");
    assert.deepEqual(snippets('adding-not-nullable-field', text, py), ["op.alter_column('users', 'email', nullable=False)", "op.alter_column('users', 'name', existing_type=sa.Text(), nullable=False)"]);
  });
  void it('nullable=True is DROP NOT NULL', () => {
    const text = rev("    op.alter_column('users', 'email', nullable=True)\n    with op.batch_alter_table('users') as b:\n        b.alter_column('name', nullable=True)");
    assert.deepEqual(snippets('ban-drop-not-null', text, py), ["op.alter_column('users', 'email', nullable=True)", "b.alter_column('name', nullable=True)"]);
  });
  void it('does not fire without nullable=, in downgrade(), or on a new table', () => {
    assert.deepEqual(snippets('adding-not-nullable-field', rev("    op.alter_column('users', 'email', server_default='x')"), py), []);
    assert.deepEqual(snippets('ban-drop-not-null', rev("    op.execute('SELECT 1')", "    op.alter_column('users', 'email', nullable=True)"), py), []);
    assert.deepEqual(snippets('adding-not-nullable-field', rev("    op.create_table('t', sa.Column('a', sa.Text()))\n    op.alter_column('t', 'a', nullable=False)"), py), []);
  });
});

void describe('Alembic: op.rename_table / new_column_name → renaming-table / renaming-column', () => {
  void it('fires on rename_table and on alter_column(new_column_name=…)', () => {
    const text = rev("    op.rename_table('users', 'accounts')\n    op.rename_table(old_table_name='a', new_table_name='b')\n    op.alter_column('orders', 'name', new_column_name='title')");
    assert.deepEqual(snippets('renaming-table', text, py), ["op.rename_table('users', 'accounts')", "op.rename_table(old_table_name='a', new_table_name='b')"]);
    assert.deepEqual(snippets('renaming-column', text, py), ["op.alter_column('orders', 'name', new_column_name='title')"]);
  });
  void it('does not fire in downgrade() or for a table created in the same upgrade()', () => {
    assert.deepEqual(snippets('renaming-table', rev("    op.execute('SELECT 1')", "    op.rename_table('accounts', 'users')"), py), []);
    assert.deepEqual(snippets('renaming-table', rev("    op.create_table('tmp', sa.Column('id', sa.Integer()))\n    op.rename_table('tmp', 'final')"), py), []);
  });
});

void describe('Alembic: op.add_column(NOT NULL) → adding-required-field', () => {
  void it('fires on nullable=False or primary_key=True without server_default (PostgreSQL and SQLite)', () => {
    const text = rev("    op.add_column('users', sa.Column('tier', sa.Integer(), nullable=False))\n    op.add_column('users', sa.Column('uid', sa.String(36), primary_key=True, default='x'))");
    const expected = ["op.add_column('users', sa.Column('tier', sa.Integer(), nullable=False))", "op.add_column('users', sa.Column('uid', sa.String(36), primary_key=True, default='x'))"];
    assert.deepEqual(snippets('adding-required-field', text, py), expected);
    assert.deepEqual(snippets('adding-required-field', text, pyLite), expected);
  });
  void it('does not fire with server_default, an Identity, a nullable column, or on a new table', () => {
    const text = rev(
      "    op.add_column('users', sa.Column('tier', sa.Integer(), nullable=False, server_default='0'))\n" +
        "    op.add_column('users', sa.Column('n', sa.BigInteger(), sa.Identity(), nullable=False))\n" +
        "    op.add_column('users', sa.Column('note', sa.Text()))\n" +
        "    op.create_table('t', sa.Column('id', sa.Integer()))\n" +
        "    op.add_column('t', sa.Column('x', sa.Integer(), nullable=False))",
    );
    assert.deepEqual(snippets('adding-required-field', text, py), []);
  });
});

void describe('Alembic: server_default with a volatile function → adding-field-with-volatile-default', () => {
  void it('fires on sa.text(…) and sa.func.<volatile>() defaults', () => {
    const text = rev(
      "    op.add_column('users', sa.Column('token', sa.UUID(), server_default=sa.text('gen_random_uuid()')))\n" +
        "    op.add_column('users', sa.Column('r', sa.Float(), server_default=sa.func.random()))",
    );
    assert.deepEqual(snippets('adding-field-with-volatile-default', text, py), [
      "op.add_column('users', sa.Column('token', sa.UUID(), server_default=sa.text('gen_random_uuid()')))",
      "op.add_column('users', sa.Column('r', sa.Float(), server_default=sa.func.random()))",
    ]);
  });
  void it('does not fire on stable defaults (now()), literals, or a new table', () => {
    const text = rev(
      "    op.add_column('users', sa.Column('at', sa.DateTime(), server_default=sa.func.now()))\n" +
        "    op.add_column('users', sa.Column('s', sa.Text(), server_default='random()'))\n" +
        "    op.create_table('t', sa.Column('id', sa.Integer()))\n" +
        "    op.add_column('t', sa.Column('u', sa.UUID(), server_default=sa.text('gen_random_uuid()')))",
    );
    assert.deepEqual(snippets('adding-field-with-volatile-default', text, py), []);
  });
});

void describe('Alembic: op.create_index → require-concurrent-index-creation', () => {
  void it('fires without postgresql_concurrently=True (names from op.f too)', () => {
    const text = rev("    op.create_index('ix_users_email', 'users', ['email'])\n    op.create_index(op.f('ix_users_name'), 'users', ['name'], unique=True)");
    assert.deepEqual(snippets('require-concurrent-index-creation', text, py), ["op.create_index('ix_users_email', 'users', ['email'])", "op.create_index(op.f('ix_users_name'), 'users', ['name'], unique=True)"]);
    assert.match(of('require-concurrent-index-creation', text, py)[1]!.message, /"ix_users_name"/);
  });
  void it('does not fire with postgresql_concurrently=True, on a new table, or on SQLite', () => {
    const text = rev("    with op.get_context().autocommit_block():\n        op.create_index('ix_a', 'users', ['a'], postgresql_concurrently=True)\n    op.create_table('t', sa.Column('id', sa.Integer()))\n    op.create_index('ix_t', 't', ['id'])");
    assert.deepEqual(snippets('require-concurrent-index-creation', text, py), []);
    assert.deepEqual(snippets('require-concurrent-index-creation', rev("    op.create_index('ix_users_email', 'users', ['email'])"), pyLite), []);
  });
});

void describe('Alembic: constraints → constraint-missing-not-valid / disallowed-unique-constraint', () => {
  void it('fires on create_foreign_key and create_check_constraint without NOT VALID, and on create_unique_constraint', () => {
    const text = rev(
      "    op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], ['id'])\n" +
        "    op.create_check_constraint('ck_total', 'orders', sa.text('total >= 0'))\n" +
        "    op.create_unique_constraint('uq_email', 'users', ['email'])",
    );
    assert.deepEqual(snippets('constraint-missing-not-valid', text, py), ["op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], ['id'])", "op.create_check_constraint('ck_total', 'orders', sa.text('total >= 0'))"]);
    assert.deepEqual(snippets('disallowed-unique-constraint', text, py), ["op.create_unique_constraint('uq_email', 'users', ['email'])"]);
    assert.match(of('constraint-missing-not-valid', text, py)[0]!.message, /"fk_orders_user" to "orders"/);
  });
  void it('does not fire with postgresql_not_valid=True, on a new table, or in downgrade()', () => {
    const text = rev(
      "    op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)\n" +
        "    op.create_table('t', sa.Column('id', sa.Integer()))\n" +
        "    op.create_unique_constraint('uq_t', 't', ['id'])\n" +
        "    op.create_check_constraint('ck_t', 't', 'id > 0')",
      "    op.create_unique_constraint('uq_email', 'users', ['email'])",
    );
    assert.deepEqual(snippets('constraint-missing-not-valid', text, py), []);
    assert.deepEqual(snippets('disallowed-unique-constraint', text, py), []);
  });
});

void describe('Alembic: op.execute(SQL)', () => {
  void it('maps findings into plain, sa.text and triple-quoted strings', () => {
    const text = rev('    op.execute("DROP TABLE café")\n    op.execute(sa.text("""\n        ALTER TABLE users DROP COLUMN email;\n        CREATE INDEX ix ON users (name);\n    """))');
    assert.deepEqual(snippets('ban-drop-table', text, py), ['DROP TABLE café']);
    assert.deepEqual(snippets('ban-drop-column', text, py), ['DROP COLUMN email']);
    assert.deepEqual(snippets('require-concurrent-index-creation', text, py), ['CREATE INDEX ix ON users (name)']);
  });
  void it('maps ranges through escapes, raw strings, CRLF and implicit concatenation', () => {
    const text = rev(String.raw`    op.execute('SELECT \'x\';\n' 'DROP TABLE a')` + '\r\n' + String.raw`    op.execute(r"SELECT 'a\d'; TRUNCATE b")` + '\r\n' + "    op.execute(text('''SELECT 1;\r\nDROP TABLE c'''))");
    assert.deepEqual(snippets('ban-drop-table', text, py), ['DROP TABLE a', 'DROP TABLE c']);
    assert.deepEqual(snippets('ban-truncate', text, py), ['TRUNCATE b']);
    assert.deepEqual(snippets('syntax-error', text, py), []);
  });
  void it('reads SQLAlchemy :name binds as identifiers (no syntax error), keeps :: casts, sees through .bindparams()', () => {
    const text = rev("    op.execute(sa.text('UPDATE users SET tier = :tier WHERE id = :id::int'))\n    op.execute(sa.text('DROP TABLE :t').bindparams(t='x'))");
    assert.deepEqual(snippets('syntax-error', text, py), []);
    assert.deepEqual(snippets('ban-drop-table', text, py), ['DROP TABLE :t']);
  });
  void it('reports SQL syntax errors inside the string, at the offending token', () => {
    const text = rev("    op.execute('DROP TABLE a; SELEC 1')");
    assert.deepEqual(snippets('syntax-error', text, py), ['SELEC']);
    assert.deepEqual(snippets('ban-drop-table', text, py), ['DROP TABLE a']);
  });
  void it('does not report harmless SQL or SQL in downgrade(); f-strings are uninspectable, not guessed', () => {
    const text = rev("    op.execute('SELECT 1')\n    op.execute(f'DROP TABLE {name}')\n    op.execute(sql)", "    op.execute('DROP TABLE users')");
    assert.deepEqual(snippets('ban-drop-table', text, py), []);
    assert.deepEqual(snippets('uninspectable-sql', text, py), ["f'DROP TABLE {name}'", 'sql']);
  });
});

void describe('Alembic: data-loss rules through op.execute SQL', () => {
  const cases: [string, string[], string[]][] = [
    ['ban-truncate', ["TRUNCATE users", "TRUNCATE TABLE audit CASCADE"], ["SELECT 1", "CREATE TABLE t (id int); TRUNCATE t"]],
    ['ban-delete-without-where', ["DELETE FROM users", "DELETE FROM sessions s"], ["DELETE FROM users WHERE id = 1", "SELECT 1"]],
    ['ban-update-without-where', ["UPDATE users SET a = 1", "UPDATE orders SET total = 0"], ["UPDATE users SET a = 1 WHERE id = 2", "SELECT 1"]],
    ['ban-drop-database', ["DROP SCHEMA legacy CASCADE", "DROP DATABASE old"], ["CREATE SCHEMA s", "SELECT 1"]],
  ];
  for (const [ruleId, fire, quiet] of cases) {
    void it(`${ruleId}: fires on ${fire.length} statements in upgrade(), not on ${quiet.length} others nor in downgrade()`, () => {
      const text = rev(fire.map((sql) => `    op.execute("${sql}")`).join('\n'));
      assert.deepEqual(snippets(ruleId, text, py), fire);
      const none = rev(quiet.map((sql) => `    op.execute("${sql}")`).join('\n'), fire.map((sql) => `    op.execute("${sql}")`).join('\n'));
      assert.deepEqual(snippets(ruleId, none, py), []);
    });
  }
  void it('drop_index: both forms fire without CONCURRENTLY; not with it or for an index created in the same upgrade()', () => {
    const text = rev("    op.drop_index('ix_a', table_name='users')\n    op.execute('DROP INDEX ix_b')\n    op.drop_index('ix_c', table_name='users', postgresql_concurrently=True)\n    op.create_index('ix_d', 'users', ['d'], postgresql_concurrently=True)\n    op.drop_index('ix_d', table_name='users')");
    assert.deepEqual(snippets('require-concurrent-index-deletion', text, py), ["op.drop_index('ix_a', table_name='users')", 'DROP INDEX ix_b']);
  });
});

void describe('Alembic: autocommit_block', () => {
  void it('marks operations inside autocommit_block() as outside the transaction, and only those', () => {
    const text = rev("    op.create_index('a', 't', ['x'], postgresql_concurrently=True)\n    with op.get_context().autocommit_block():\n        op.create_index('b', 't', ['x'], postgresql_concurrently=True)\n        op.execute('CREATE INDEX CONCURRENTLY c ON t (x)')\n    op.execute('CREATE INDEX CONCURRENTLY d ON t (x)')");
    const ops = parseDocument(text, py).operations.map((o) => [o.type === 'createIndex' ? o.index : o.type, o.outsideTransaction === true]);
    assert.deepEqual(ops, [
      ['a', false],
      ['b', true],
      ['c', true],
      ['d', false],
    ]);
  });
  void it('op.drop_index maps to dropIndex with its concurrently flag', () => {
    const text = rev("    op.drop_index('ix_a', table_name='users')\n    op.drop_index('ix_b', table_name='users', postgresql_concurrently=True)");
    assert.deepEqual(snippets('require-concurrent-index-deletion', text, py), ["op.drop_index('ix_a', table_name='users')"]);
  });
});

void describe('Alembic: downgrade() → missing-down', () => {
  void it('fires when downgrade() only passes (or is only a docstring) or is missing', () => {
    const passOnly = rev("    op.drop_column('users', 'x')", '    pass');
    assert.deepEqual(snippets('missing-down', passOnly, py), ['upgrade']);
    const docOnly = rev("    op.drop_column('users', 'x')", '    """Nothing to undo."""\n    ...');
    assert.deepEqual(snippets('missing-down', docOnly, py), ['upgrade']);
    const none = `revision = 'a'\ndown_revision = None\n\ndef upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer()))\n`;
    assert.match(of('missing-down', none, py)[0]!.message, /no down function/);
  });
  void it('does not fire when upgrade() does nothing either (merge revisions)', () => {
    const text = "revision = 'm'\ndown_revision = ('a', 'b')\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n";
    assert.deepEqual(snippets('missing-down', text, py), []);
  });
  void it('does not fire when downgrade() does work or raises', () => {
    assert.deepEqual(snippets('missing-down', rev("    op.add_column('users', sa.Column('x', sa.Text()))", "    op.drop_column('users', 'x')"), py), []);
    assert.deepEqual(snippets('missing-down', rev("    op.add_column('users', sa.Column('x', sa.Text()))", "    raise NotImplementedError('irreversible')"), py), []);
  });
});

void describe('Alembic: suppression comments', () => {
  void it('# migration-guard-ignore suppresses the next statement only', () => {
    const text = rev("    # migration-guard-ignore ban-drop-table: archived\n    op.drop_table('a')\n    op.drop_table('b')");
    assert.deepEqual(snippets('ban-drop-table', text, py), ["op.drop_table('b')"]);
  });
});

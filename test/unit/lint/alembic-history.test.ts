/**
 * The history model for Alembic (issue 17): `check` on a folder folds each revision's ancestors, in revision-graph
 * order (not file-name order), into the schema it starts from; sibling branches do not see each other.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { runCheck } from '../../../server/src/cli/check';
import { applyOrder, buildRevisionGraph } from '../../../server/src/lint/graph';
import { initAnalyzer } from '../../../server/src/lint';

before(async () => {
  await initAnalyzer();
});

/** An Alembic revision file: `down` is the down_revision literal as Python (`None`, `'a'`, `('a', 'b')`). */
function revision(id: string, down: string, upgrade: string, extra = ''): string {
  return `"""${id}

Revision ID: ${id}
Revises: ${down}
"""
from alembic import op
import sqlalchemy as sa

revision = '${id}'
down_revision = ${down}
branch_labels = None
depends_on = None
${extra}

def upgrade():
${upgrade
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}


def downgrade():
    pass
`;
}

/** Writes `files` into a fresh folder, runs `check` on it and returns `[file, rule, message]` of its findings. */
async function checkFolder(files: Record<string, string>, only?: (rule: string) => boolean): Promise<[string, string, string][]> {
  const root = mkdtempSync(path.join(tmpdir(), 'mg-alembic-history-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
    const { result } = await runCheck(['.'], root, { dialect: 'postgresql' });
    return result.findings.filter((f) => (only ? only(f.ruleId) : true)).map((f) => [path.basename(f.file), f.ruleId, f.message]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const typeChanges = (rule: string) => rule === 'changing-column-type';

const createUsers = "op.create_table('users', sa.Column('id', sa.BigInteger(), primary_key=True), sa.Column('name', sa.String(100), nullable=False), sa.Column('bio', sa.String(100)))";

void describe('Alembic revisions feed the history in revision-graph order', () => {
  void it('a narrowing in a revision whose file name sorts before its parent\'s is reported; a widening is not', async () => {
    const found = await checkFolder(
      {
        // "zz_" sorts after "aa_": file-name order would apply the child first.
        'zz_a1_create_users.py': revision('a1', 'None', createUsers),
        'aa_b2_narrow.py': revision('b2', "'a1'", "op.alter_column('users', 'name', type_=sa.String(40))\nop.alter_column('users', 'bio', type_=sa.String(400))"),
      },
      typeChanges,
    );
    assert.deepEqual(
      found.map((f) => [f[0], f[1]]),
      [['aa_b2_narrow.py', 'changing-column-type']],
    );
    assert.match(found[0]![2], /"name" of "users" from varchar\(100\) to varchar\(40\).*narrows the column/);
  });

  void it('the reverse (widening varchar(40) → varchar(100)) stays quiet', async () => {
    const found = await checkFolder(
      {
        'zz_a1.py': revision('a1', 'None', "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(40)))"),
        'aa_b2.py': revision('b2', "'a1'", "op.alter_column('users', 'name', type_=sa.String(100))"),
      },
      typeChanges,
    );
    assert.deepEqual(found, []);
  });

  void it('op.add_column declares the old type too, and alter_column(nullable=False) of a column already NOT NULL adds nothing', async () => {
    const found = await checkFolder({
      'c3.py': revision('c3', 'None', "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))"),
      'b2.py': revision('b2', "'c3'", "op.add_column('users', sa.Column('code', sa.BigInteger(), nullable=False, server_default='0'))"),
      'a1.py': revision('a1', "'b2'", "op.alter_column('users', 'code', type_=sa.Integer())\nop.alter_column('users', 'code', nullable=False)"),
    }, (rule) => rule === 'changing-column-type' || rule === 'adding-not-nullable-field');
    assert.deepEqual(
      found.map((f) => [f[0], f[1]]),
      [['a1.py', 'changing-column-type']],
    );
    assert.match(found[0]![2], /from int8 to int4.*narrows the column/);
  });

  void it('op.create_table columns with nullable=False (or primary keys) are NOT NULL: alter_column(nullable=False) there adds nothing', async () => {
    const found = await checkFolder(
      {
        'b2.py': revision('b2', "'a1'", "op.alter_column('users', 'name', nullable=False)\nop.alter_column('users', 'bio', nullable=False)"),
        'a1.py': revision('a1', 'None', createUsers),
      },
      (rule) => rule === 'adding-not-nullable-field',
    );
    assert.deepEqual(found.map((f) => [f[0], f[1]]), [['b2.py', 'adding-not-nullable-field']]);
    assert.match(found[0]![2], /"bio"/);
  });

  void it('a branch does not see its sibling branch; a merge revision sees both branches', async () => {
    const found = await checkFolder(
      {
        'base.py': revision('base', 'None', createUsers),
        // Two branches from base: one narrows "name" itself, the other declares "code".
        'left.py': revision('left', "'base'", "op.add_column('users', sa.Column('code', sa.String(100)))"),
        'right.py': revision('right', "'base'", "op.alter_column('users', 'code', type_=sa.String(10))"),
        'merge.py': revision('merge', "('left', 'right')", "op.alter_column('users', 'name', type_=sa.String(50))\nop.alter_column('users', 'code', type_=sa.String(20))"),
      },
      typeChanges,
    );
    // right.py: "code" is declared on the left branch only, so its old type is unknown there (a change to varchar
    // with no known old type is presumed a widening). Seeing the left branch, it would be varchar(100) → varchar(10).
    // merge.py: "name" from base; "code" as both branches left it, in apply order (left, then right: varchar(10)), so
    // varchar(20) widens it. Seeing the left branch only, it would be varchar(100) → varchar(20).
    assert.deepEqual(found.map((f) => [f[0], f[1]]), [['merge.py', 'changing-column-type']], JSON.stringify(found));
    assert.match(found[0]![2], /"name" of "users" from varchar\(100\) to varchar\(50\).*narrows/);
  });

  void it('a revision whose parent is missing, and a file that is no revision, are analysed without history and do not crash', async () => {
    const found = await checkFolder({
      'a1.py': revision('a1', 'None', createUsers),
      'orphan.py': revision('orphan', "'gone'", "op.alter_column('users', 'name', type_=sa.String(40))"),
      'norev.py': "from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    op.alter_column('users', 'name', type_=sa.String(40))\n\ndef downgrade():\n    pass\n",
      'child.py': revision('child', "'orphan'", "op.alter_column('users', 'name', type_=sa.String(20))"),
    });
    const rules = found.map((f) => [f[0], f[1]]);
    assert.ok(!rules.some((r) => r[1] === 'analyzer-error'), JSON.stringify(found));
    assert.deepEqual(rules.filter((r) => r[1] === 'alembic-missing-revision'), [['orphan.py', 'alembic-missing-revision']]);
    // The old type of "name" is unknown to all three: a1 is on no path to them.
    for (const [file, rule, message] of found) if (rule === 'changing-column-type') assert.doesNotMatch(message, /from varchar\(100\)/, file);
    // child.py sees orphan's change (varchar(40) → varchar(20) narrows).
    assert.match(found.find((f) => f[0] === 'child.py' && f[1] === 'changing-column-type')![2], /from varchar\(40\) to varchar\(20\)/);
  });

  void it('a cycle (a1 ↔ b2) leaves both revisions out of the history, without a crash', async () => {
    const found = await checkFolder({
      'a1.py': revision('a1', "'b2'", createUsers),
      'b2.py': revision('b2', "'a1'", "op.alter_column('users', 'name', type_=sa.String(40))"),
    });
    // Seeing a1, b2 would narrow varchar(100) → varchar(40).
    assert.deepEqual(found.filter((f) => f[1] === 'analyzer-error' || f[1] === 'changing-column-type'), []);
  });

  void it('applyOrder: parents first, merges after both branches, ties by id, cycles left out', () => {
    const graph = buildRevisionGraph([
      { path: 'm.py', text: "revision = 'm'\ndown_revision = ('x', 'b')\n" },
      { path: 'x.py', text: "revision = 'x'\ndown_revision = 'a'\n" },
      { path: 'b.py', text: "revision = 'b'\ndown_revision = 'a'\n" },
      { path: 'a.py', text: "revision = 'a'\ndown_revision = None\n" },
      { path: 'c1.py', text: "revision = 'c1'\ndown_revision = 'c2'\n" },
      { path: 'c2.py', text: "revision = 'c2'\ndown_revision = 'c1'\n" },
    ]);
    assert.deepEqual(applyOrder(graph).map((n) => n.id), ['a', 'b', 'x', 'm']);
  });
});

/** Migrations shared by the drift tests (drift.test.ts on SQLite, drift-pg.test.ts on PostgreSQL). */

/** Users with a unique email, an index and a CHECK; posts with a NOT NULL body and a foreign key to users. */
export const DRIFT_MIGRATIONS: Record<string, string> = {
  'db/migrations/001_users.js': `exports.up = (knex) => knex.schema.createTable('users', (t) => {
  t.increments('id'); t.string('email').notNullable().unique(); t.integer('age').defaultTo(0);
  t.index(['age'], 'users_age_idx'); t.check('?? >= 0', ['age'], 'users_age_check');
});
exports.down = (knex) => knex.schema.dropTable('users');
`,
  'db/migrations/002_posts.js': `exports.up = async (knex) => {
  if (process.env.MG_TEST_WAIT_DIR) {
    require('node:fs').writeFileSync(require('node:path').join(process.env.MG_TEST_WAIT_DIR, 'started'), '');
    while (!require('node:fs').existsSync(require('node:path').join(process.env.MG_TEST_WAIT_DIR, 'go'))) await new Promise((r) => setTimeout(r, 20));
  }
  await knex.schema.createTable('posts', (t) => {
    t.increments('id'); t.integer('user_id').references('id').inTable('users').onDelete('CASCADE'); t.text('body').notNullable();
  });
};
exports.down = (knex) => knex.schema.dropTable('posts');
`,
  'db/migrations/003_users_name.js': `exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.string('name', 100); });
exports.down = (knex) => knex.schema.alterTable('users', (t) => { t.dropColumn('name'); });
`,
};

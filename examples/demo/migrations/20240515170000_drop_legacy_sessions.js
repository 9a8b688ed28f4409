/**
 * Sessions moved to signed cookies, so the old table "can go".
 * Migration Guard flags this: dropping a table deletes every row in it, and the down migration
 * below brings back only an empty table.
 */
exports.up = function (knex) {
  return knex.schema.dropTable('legacy_sessions');
};

exports.down = function (knex) {
  return knex.schema.createTable('legacy_sessions', (t) => {
    t.string('sid', 64).primary();
    t.integer('user_id').references('id').inTable('users');
    t.text('data');
    t.timestamp('expires_at');
  });
};

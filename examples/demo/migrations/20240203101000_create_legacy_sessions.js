/** Server-side sessions, from before the move to signed cookies. */
exports.up = function (knex) {
  return knex.schema.createTable('legacy_sessions', (t) => {
    t.string('sid', 64).primary();
    t.integer('user_id').references('id').inTable('users');
    t.text('data');
    t.timestamp('expires_at');
  });
};

exports.down = function (knex) {
  return knex.schema.dropTable('legacy_sessions');
};

/** A nullable column: safe on a full table. */
exports.up = function (knex) {
  return knex.schema.alterTable('users', (t) => {
    t.string('display_name', 120);
  });
};

exports.down = function (knex) {
  return knex.schema.alterTable('users', (t) => {
    t.dropColumn('display_name');
  });
};

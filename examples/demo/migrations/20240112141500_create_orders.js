/** Orders placed by users. */
exports.up = function (knex) {
  return knex.schema.createTable('orders', (t) => {
    t.increments('id');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('total_cents').notNullable().defaultTo(0);
    t.string('status', 20).notNullable().defaultTo('new');
    t.timestamps(true, true);
  });
};

exports.down = function (knex) {
  return knex.schema.dropTable('orders');
};

/** Orders are listed by status on the back-office dashboard. */
exports.up = function (knex) {
  return knex.schema.alterTable('orders', (t) => {
    t.index(['status'], 'orders_status_idx');
  });
};

exports.down = function (knex) {
  return knex.schema.alterTable('orders', (t) => {
    t.dropIndex(['status'], 'orders_status_idx');
  });
};

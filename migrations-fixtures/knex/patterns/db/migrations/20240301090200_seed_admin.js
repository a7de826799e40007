// A data migration whose down was left empty: undoing it would only drop the history row.
exports.up = function (knex) {
  return knex('accounts').insert({ email: 'admin@example.com' });
};

exports.down = function (knex) {};

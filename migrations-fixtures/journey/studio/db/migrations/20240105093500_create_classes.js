// A native enum through the schema builder. The down drops the table only:
// the type class_level stays behind (and the next up fails on it).
exports.up = function (knex) {
  return knex.schema.createTable('classes', (table) => {
    table.increments('id');
    table.string('title').notNullable();
    table.text('description');
    table.integer('instructor_id').unsigned().references('id').inTable('instructors').onDelete('CASCADE');
    table.enu('level', ['beginner', 'intermediate', 'advanced'], { useNative: true, enumName: 'class_level' }).notNullable().defaultTo('beginner');
    table.timestamp('starts_at', { useTz: true }).notNullable();
    table.integer('capacity').notNullable().defaultTo(12);
  });
};

exports.down = function (knex) {
  return knex.schema.dropTable('classes');
};

exports.up = async function (knex) {
  await knex.schema.createTable('bookings', (table) => {
    table.increments('id');
    table.integer('member_id').notNullable().references('members.id').onDelete('CASCADE');
    table.integer('class_id').notNullable().references('classes.id').onDelete('CASCADE');
    table.enu('status', ['booked', 'cancelled', 'attended'], { useNative: true, enumName: 'booking_status' }).notNullable().defaultTo('booked');
    table.unique(['member_id', 'class_id']);
    table.timestamps(true, true);
  });
};

exports.down = async function (knex) {
  await knex.schema.dropTable('bookings');
  await knex.raw('DROP TYPE booking_status');
};

// PostgreSQL cannot drop an enum value; the down was left empty.
exports.config = { transaction: false };

exports.up = function (knex) {
  return knex.raw("ALTER TYPE booking_status ADD VALUE IF NOT EXISTS 'waitlisted' AFTER 'booked'");
};

exports.down = async function () {};

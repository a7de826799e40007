// `knex seed:run` after 20240112110000_create_bookings: members (some without
// a phone, each with the old system's number), instructors, a week of
// classes and their bookings.
exports.seed = async function (knex) {
  await knex('bookings').del();
  await knex('classes').del();
  await knex('instructors').del();
  await knex('members').del();

  await knex('members').insert([
    { id: 1, email: 'ana@example.org', full_name: 'Ana Ruiz', phone: '+34 600 111 222', legacy_id: 5001 },
    { id: 2, email: 'ben@example.org', full_name: 'Ben Okafor', phone: null, legacy_id: 5002 },
    { id: 3, email: 'chloe@example.org', full_name: 'Chloé Martin', phone: '+33 6 12 34 56 78', legacy_id: 5007 },
    { id: 4, email: 'dev@example.org', full_name: 'Dev Patel', phone: null, legacy_id: 5013 },
    { id: 5, email: 'eli@example.org', full_name: 'Eli Cohen', phone: '+1 608 555 0199', legacy_id: null },
    { id: 6, email: 'fumiko@example.org', full_name: 'Fumiko Sato', phone: null, legacy_id: 5021 },
  ]);
  await knex.raw("SELECT setval(pg_get_serial_sequence('members', 'id'), 6)");

  await knex('instructors').insert([
    { id: 1, name: 'Marta', bio: 'Vinyasa and breathwork' },
    { id: 2, name: 'Jonas', bio: null },
  ]);
  await knex.raw("SELECT setval(pg_get_serial_sequence('instructors', 'id'), 2)");

  await knex('classes').insert([
    { id: 1, title: 'Morning flow', description: 'Gentle start to the day', instructor_id: 1, level: 'beginner', starts_at: '2024-01-15 07:00:00+00' },
    { id: 2, title: 'Power vinyasa', description: 'Bring water', instructor_id: 1, level: 'advanced', starts_at: '2024-01-15 18:00:00+00', capacity: 20 },
    { id: 3, title: 'Mobility', description: null, instructor_id: 2, level: 'intermediate', starts_at: '2024-01-16 12:30:00+00', capacity: 8 },
  ]);
  await knex.raw("SELECT setval(pg_get_serial_sequence('classes', 'id'), 3)");

  await knex('bookings').insert([
    { member_id: 1, class_id: 1, status: 'attended' },
    { member_id: 2, class_id: 1, status: 'attended' },
    { member_id: 3, class_id: 2, status: 'booked' },
    { member_id: 4, class_id: 2, status: 'cancelled' },
    { member_id: 5, class_id: 3, status: 'attended' },
    { member_id: 6, class_id: 3, status: 'booked' },
    { member_id: 1, class_id: 3, status: 'booked' },
  ]);
};

// timestamps(true, true) sets updated_at once; this keeps it current.
const TABLES = ['members', 'bookings'];

exports.up = async function (knex) {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
    BEGIN
      NEW.updated_at = now();
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
  `);
  for (const table of TABLES) {
    await knex.raw(`CREATE TRIGGER ${table}_updated_at BEFORE UPDATE ON ?? FOR EACH ROW EXECUTE PROCEDURE set_updated_at()`, [table]);
  }
};

exports.down = async function (knex) {
  for (const table of TABLES) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${table}_updated_at ON ??`, [table]);
  }
  await knex.raw('DROP FUNCTION IF EXISTS set_updated_at()');
};

/** A lookup table created and seeded in one migration, its sequence moved past the seeded ids. */
export async function up({ context: { client } }) {
  await client.query('CREATE TABLE plans (id serial PRIMARY KEY, code text NOT NULL UNIQUE, monthly_cents integer NOT NULL)');
  const seeds = [[1, 'free', 0], [2, 'team', 1900], [3, 'business', 9900]];
  for (const [id, code, cents] of seeds) {
    await client.query('INSERT INTO plans (id, code, monthly_cents) VALUES ($1, $2, $3)', [id, code, cents]);
  }
  await client.query("SELECT setval(pg_get_serial_sequence('plans', 'id'), (SELECT max(id) FROM plans))");
}

export async function down({ context: { client } }) {
  await client.query('DROP TABLE plans');
}

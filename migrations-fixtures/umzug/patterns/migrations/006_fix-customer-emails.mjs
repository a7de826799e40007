/** A data fix: emails lower-cased in place. A real rewrite; umzug cannot declare it irreversible, so no `down`. */
export async function up({ context: { client } }) {
  await client.query('UPDATE customers SET email = lower(email) WHERE email <> lower(email)');
}

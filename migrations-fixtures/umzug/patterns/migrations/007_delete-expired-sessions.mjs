/** Clean-up of obsolete rows: expired sessions are deleted for good (no `down`). */
export async function up({ context: { client } }) {
  await client.query('DELETE FROM sessions WHERE expires_at < now()');
}

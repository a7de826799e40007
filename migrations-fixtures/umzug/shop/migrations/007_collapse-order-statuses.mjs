/**
 * Irreversible: 'void' and 'refunded' both become 'cancelled'; which was
 * which is lost. umzug cannot declare that, so this module simply has no
 * `down` — and dbrollback refuses to undo it (umzug would otherwise drop its
 * record without changing anything).
 */
export async function up({ context: { client } }) {
  await client.query("UPDATE orders SET status = 'cancelled' WHERE status IN ('void', 'refunded')");
}

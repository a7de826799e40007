/** A trigger keeps a log of status changes: a new table, a function, a trigger. */
export async function up({ context: { client } }) {
  await client.query(`CREATE TABLE order_status_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id integer NOT NULL,
    old_status text,
    new_status text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now())`);
  await client.query(`CREATE FUNCTION log_order_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO order_status_log (order_id, old_status, new_status) VALUES (NEW.id, OLD.status::text, NEW.status::text);
  RETURN NEW;
END
$$`);
  await client.query(`CREATE TRIGGER orders_status_log AFTER UPDATE OF status ON orders
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION log_order_status()`);
}

export async function down({ context: { client } }) {
  await client.query('DROP TRIGGER orders_status_log ON orders');
  await client.query('DROP FUNCTION log_order_status()');
  await client.query('DROP TABLE order_status_log');
}

/** A trigger keeps a log of status changes; the function and trigger are written with pgm.sql. */
export const up = (pgm) => {
  pgm.createTable('order_status_log', {
    id: { type: 'bigint', primaryKey: true, sequenceGenerated: { precedence: 'ALWAYS' } },
    order_id: { type: 'integer', notNull: true },
    old_status: { type: 'text' },
    new_status: { type: 'text', notNull: true },
    changed_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  pgm.sql(`CREATE FUNCTION log_order_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO order_status_log (order_id, old_status, new_status) VALUES (NEW.id, OLD.status::text, NEW.status::text);
  RETURN NEW;
END
$$`);
  pgm.sql(`CREATE TRIGGER orders_status_log AFTER UPDATE OF status ON orders
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION log_order_status()`);
};

export const down = (pgm) => {
  pgm.sql('DROP TRIGGER orders_status_log ON orders');
  pgm.sql('DROP FUNCTION log_order_status()');
  pgm.dropTable('order_status_log');
};

--liquibase formatted sql

--changeset jonas:004-order-total-function splitStatements:false
CREATE OR REPLACE FUNCTION order_total_cents(p_order_id bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
  total bigint;
BEGIN
  SELECT coalesce(sum(quantity * unit_price_cents), 0) INTO total
    FROM order_lines
   WHERE order_id = p_order_id;
  RETURN total;
END;
$$;
--rollback DROP FUNCTION order_total_cents(bigint);

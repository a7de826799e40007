--liquibase formatted sql

--changeset jonas:005-daily-sales-view runOnChange:true
CREATE OR REPLACE VIEW daily_sales AS
SELECT date_trunc('day', o.placed_at) AS day,
       count(*) AS orders,
       sum(order_total_cents(o.id)) AS revenue_cents
  FROM orders o
 WHERE o.status <> 'new'
 GROUP BY 1;
--rollback DROP VIEW daily_sales;

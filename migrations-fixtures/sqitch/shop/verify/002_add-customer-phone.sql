-- Verify shop:002_add-customer-phone on pg

SELECT phone FROM customers WHERE FALSE;

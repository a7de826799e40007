ALTER TABLE warehouses DROP CONSTRAINT warehouses_name_length;

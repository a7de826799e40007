ALTER TABLE warehouses ADD CONSTRAINT warehouses_name_length CHECK (char_length(name) <= 80);

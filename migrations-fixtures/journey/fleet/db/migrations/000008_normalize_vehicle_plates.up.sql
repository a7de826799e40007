UPDATE vehicles SET plate = upper(replace(plate, ' ', ''));

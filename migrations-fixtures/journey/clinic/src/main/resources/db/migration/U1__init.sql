DROP TABLE pets;
DROP TABLE owners;

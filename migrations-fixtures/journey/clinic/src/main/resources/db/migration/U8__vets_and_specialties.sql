DROP TABLE vet_specialties;
DROP TABLE specialties;
DROP TABLE vets;

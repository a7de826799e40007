/**
 * The shop's TypeORM DataSource, as `typeorm migration:run -d
 * src/data-source.ts` reads it. dbrollback builds a DataSource of the same
 * class and options on the database given with --database-url (the
 * connection below is what the typeorm CLI itself would use).
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';

export const AppDataSource = new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: [],
  migrations: [__dirname + '/migrations/*.{ts,js}'],
  migrationsTableName: 'migrations',
  synchronize: false,
  logging: false,
});

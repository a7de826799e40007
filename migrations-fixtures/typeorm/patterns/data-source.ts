/**
 * A DataSource at the project root whose migrations glob is relative to the
 * working directory (TypeORM resolves it there), with its own history table
 * name. Run the typeorm CLI (and dbrollback) from this directory.
 */
import { DataSource } from 'typeorm';

export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL,
  migrations: ['src/migrations/*.ts'],
  migrationsTableName: 'typeorm_migrations',
});

/**
 * The DataSource the typeorm CLI is given (`npm run typeorm -- migration:run`
 * runs `typeorm-ts-node-commonjs -d src/config/typeorm.config.ts`); the Nest
 * app builds its TypeOrmModule from the same options.
 */
import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';

export const typeormOptions: DataSourceOptions = {
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: [__dirname + '/../**/*.entity{.ts,.js}'],
  migrations: [__dirname + '/../database/migrations/*{.ts,.js}'],
  migrationsTableName: 'migrations',
  synchronize: false,
  logging: ['error', 'migration'],
};

export default new DataSource(typeormOptions);

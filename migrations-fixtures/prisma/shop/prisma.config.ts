import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// The Prisma CLI on its WebAssembly schema engine through the pg driver
// adapter (Prisma 6.16+, engine "js"), so `prisma migrate deploy` and
// `prisma migrate status` run without downloading the native engines. A
// project on the native engine needs no prisma.config.ts: its migrations
// folder and _prisma_migrations are the same.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL ?? '' }),
  schema: 'prisma/schema.prisma',
});

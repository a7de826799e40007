import { defineConfig } from 'drizzle-kit';

// The shop as a Drizzle project: drizzle-kit writes its migrations to ./migrations,
// drizzle-orm's migrator keeps their history in "drizzle"."__drizzle_migrations" (the defaults).
export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? '' },
});

#!/usr/bin/env node
/**
 * Regenerates ./prisma/migrations with the real Prisma CLI, one step at a
 * time: each step's schema, then `prisma migrate diff --from-schema-datamodel
 * <previous> --to-schema-datamodel <next> --script` (the SQL `prisma migrate
 * dev --create-only` writes, made without a shadow database), written as
 * `<timestamp>_<name>/migration.sql`. Then the edits Prisma's documentation
 * asks for where its diff cannot say what is meant ("Customizing
 * migrations"): CHECK constraints added by hand to the first migration, the
 * rename written as a RENAME instead of the generated drop and add, and the
 * two data migrations written into empty migrations.
 *
 *   DATABASE_URL=postgresql://... node migrations-fixtures/prisma/shop/generate.mjs
 *
 * Leaves prisma/schema.prisma at the last step. Needs the repository's
 * devDependencies (prisma, @prisma/adapter-pg) and a PostgreSQL server to
 * connect to (the WebAssembly engine opens its adapter for every command;
 * nothing is read or written there).
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const here = import.meta.dirname;
const cli = path.resolve(here, '../../../node_modules/prisma/build/index.js');
const migrations = path.join(here, 'prisma', 'migrations');

const HEADER = `generator client {
  provider   = "prisma-client-js"
  engineType = "client"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
`;

function schema({ phone = false, index = false, renamed = false, legacy = true }) {
  return `${HEADER}
model Customer {
  id         Int      @id @default(autoincrement())
  email      String   @unique
  name       String${legacy ? '\n  legacyCode String?  @map("legacy_code")' : ''}
  createdAt  DateTime @default(now()) @map("created_at") @db.Timestamptz(6)${phone ? '\n  phone      String?' : ''}
  orders     Order[]

  @@map("customers")
}

model Product {
  id            Int         @id @default(autoincrement())
  sku           String      @unique
  skuNormalized String?     @map("sku_normalized")
  name          String
  priceCents    Int         @map("price_cents")
  items         OrderItem[]

  @@map("products")
}

model Order {
  id           Int         @id @default(autoincrement())
  customerId   Int         @map("customer_id")
  customer     Customer    @relation(fields: [customerId], references: [id])
  status       String      @default("pending")
  ${renamed ? 'customerNote String?     @map("customer_note")' : 'note         String?'}
  createdAt    DateTime    @default(now()) @map("created_at") @db.Timestamptz(6)
  items        OrderItem[]
${index ? '\n  @@index([customerId], map: "orders_customer_id_idx")' : ''}
  @@map("orders")
}

model OrderItem {
  id             Int     @id @default(autoincrement())
  orderId        Int     @map("order_id")
  order          Order   @relation(fields: [orderId], references: [id], onDelete: Cascade)
  productId      Int     @map("product_id")
  product        Product @relation(fields: [productId], references: [id])
  quantity       Int
  unitPriceCents Int     @map("unit_price_cents")

  @@map("order_items")
}
`;
}

const STEPS = [
  {
    name: '20240101000000_create_tables',
    schema: {},
    append: '\n-- Added by hand: Prisma\'s schema cannot declare CHECK constraints.\nALTER TABLE "products" ADD CONSTRAINT "products_price_cents_check" CHECK ("price_cents" >= 0);\nALTER TABLE "order_items" ADD CONSTRAINT "order_items_quantity_check" CHECK ("quantity" > 0);\n',
  },
  { name: '20240102000000_add_customer_phone', schema: { phone: true } },
  { name: '20240103000000_index_orders_customer', schema: { phone: true, index: true } },
  {
    name: '20240104000000_rename_order_note',
    schema: { phone: true, index: true, renamed: true },
    // Prisma's diff drops "note" and adds "customer_note" (the values would be lost): written as the rename it is.
    replace: '-- AlterTable: a rename (Prisma generated DROP COLUMN "note" + ADD COLUMN "customer_note", edited by hand).\nALTER TABLE "orders" RENAME COLUMN "note" TO "customer_note";\n',
  },
  { name: '20240105000000_drop_customer_legacy_code', schema: { phone: true, index: true, renamed: true, legacy: false } },
  {
    name: '20240106000000_backfill_product_sku',
    replace: '-- Data rewrite: fill products.sku_normalized.\nUPDATE "products" SET "sku_normalized" = upper("sku") WHERE "sku_normalized" IS NULL;\n',
  },
  {
    name: '20240107000000_collapse_order_statuses',
    // No semicolon in the comment: Prisma's driver-adapter path splits the script at every one.
    replace: "-- Irreversible: 'void' and 'refunded' both become 'cancelled' (which was which is lost).\nUPDATE \"orders\" SET \"status\" = 'cancelled' WHERE \"status\" IN ('void', 'refunded');\n",
  },
];

if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL to any PostgreSQL database (nothing is written there)');
const steps = path.join(here, 'prisma', '.steps');
await rm(migrations, { recursive: true, force: true });
await mkdir(steps, { recursive: true });
let previous = path.join(steps, 'empty.prisma');
await writeFile(previous, HEADER);
let current = {};
try {
  for (const [i, step] of STEPS.entries()) {
    if (step.schema) current = step.schema;
    const next = path.join(steps, `${i}.prisma`);
    await writeFile(next, schema(current));
    // The CLI reads the configured schema's generator to know it needs no native engine.
    await writeFile(path.join(here, 'prisma', 'schema.prisma'), schema(current));
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'migrate', 'diff', '--from-schema-datamodel', previous, '--to-schema-datamodel', next, '--script'], {
      cwd: here,
      env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
    const generated = stdout.replace(/^-- This is an empty migration\.\n*/, '');
    await mkdir(path.join(migrations, step.name), { recursive: true });
    await writeFile(path.join(migrations, step.name, 'migration.sql'), step.replace ?? generated + (step.append ?? ''));
    previous = next;
    process.stdout.write(`${step.name}\n`);
  }
  await writeFile(path.join(migrations, 'migration_lock.toml'), '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
} finally {
  await rm(steps, { recursive: true, force: true });
}

#!/usr/bin/env node
/**
 * Regenerates ./migrations with the real drizzle-kit, one step at a time, as
 * a Drizzle user makes them: each step's schema.ts, then `drizzle-kit
 * generate --name <step>` (the rename answered "rename column" at
 * drizzle-kit's prompt, through a pseudo-terminal), and the two data
 * migrations as `drizzle-kit generate --custom` files with their UPDATE
 * appended — Drizzle's way to write SQL its schema diff cannot.
 *
 *   node migrations-fixtures/drizzle/shop/generate.mjs
 *
 * Leaves schema.ts at the last step. Needs the repository's devDependencies
 * (drizzle-kit, drizzle-orm) and util-linux `script`; no database.
 */
import { spawn } from 'node:child_process';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const here = import.meta.dirname;
const kit = path.resolve(here, '../../../node_modules/.bin/drizzle-kit');

/** The schema after each step (cumulative). */
function schema({ phone = false, index = false, renamed = false, legacy = true }) {
  return `import { check, index, integer, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const customers = pgTable('customers', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),${legacy ? "\n  legacyCode: text('legacy_code')," : ''}
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),${phone ? "\n  phone: text('phone')," : ''}
});

export const products = pgTable(
  'products',
  {
    id: serial('id').primaryKey(),
    sku: text('sku').notNull().unique(),
    skuNormalized: text('sku_normalized'),
    name: text('name').notNull(),
    priceCents: integer('price_cents').notNull(),
  },
  (t) => [check('products_price_cents_check', sql\`\${t.priceCents} >= 0\`)],
);

export const orders = pgTable(
  'orders',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id').notNull().references(() => customers.id),
    status: text('status').notNull().default('pending'),
    ${renamed ? "customerNote: text('customer_note')" : "note: text('note')"},
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [${index ? "index('orders_customer_id_idx').on(t.customerId)" : ''}],
);

export const orderItems = pgTable(
  'order_items',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id').notNull().references(() => orders.id, { onDelete: 'cascade' }),
    productId: integer('product_id').notNull().references(() => products.id),
    quantity: integer('quantity').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
  },
  (t) => [check('order_items_quantity_check', sql\`\${t.quantity} > 0\`)],
);
`;
}

const STEPS = [
  { name: 'create-tables', schema: {} },
  { name: 'add-customer-phone', schema: { phone: true } },
  { name: 'index-orders-customer', schema: { phone: true, index: true } },
  { name: 'rename-order-note', schema: { phone: true, index: true, renamed: true }, answer: 'rename' },
  { name: 'drop-customer-legacy-code', schema: { phone: true, index: true, renamed: true, legacy: false } },
  {
    name: 'backfill-product-sku',
    custom: '\n-- Data rewrite: fill products.sku_normalized.\nUPDATE "products" SET "sku_normalized" = upper("sku") WHERE "sku_normalized" IS NULL;\n',
  },
  {
    name: 'collapse-order-statuses',
    custom: "\n-- Irreversible: 'void' and 'refunded' both become 'cancelled'; which was which is lost.\nUPDATE \"orders\" SET \"status\" = 'cancelled' WHERE \"status\" IN ('void', 'refunded');\n",
  },
];

/** Run drizzle-kit in a pseudo-terminal (its prompts need one); answer a rename prompt with "rename". */
function generate(args, answer) {
  return new Promise((resolve, reject) => {
    const command = [kit, 'generate', ...args].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let answered = false;
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      if (answer === 'rename' && !answered && /created or renamed/.test(out)) {
        answered = true;
        // The second choice is "~ note › customer_note rename column".
        setTimeout(() => child.stdin.write('\u001b[B'), 300);
        setTimeout(() => child.stdin.write('\r'), 600);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.end();
      if (code === 0 && (answer !== 'rename' || answered)) resolve(out);
      else reject(new Error(`drizzle-kit generate ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
}

await rm(path.join(here, 'migrations'), { recursive: true, force: true });
let current = {};
for (const [i, step] of STEPS.entries()) {
  if (step.schema) current = step.schema;
  await writeFile(path.join(here, 'schema.ts'), schema(current));
  await generate(['--config', 'drizzle.config.ts', '--name', step.name, ...(step.custom ? ['--custom'] : [])], step.answer);
  if (step.custom) await appendFile(path.join(here, 'migrations', `${String(i).padStart(4, '0')}_${step.name}.sql`), step.custom);
  process.stdout.write(`${String(i).padStart(4, '0')}_${step.name}\n`);
}

import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`--sql
    CREATE TABLE payments (
      id serial PRIMARY KEY,
      invoice_id integer NOT NULL REFERENCES invoices (id),
      amount_cents bigint NOT NULL CHECK (amount_cents > 0),
      received_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`--sql
    DROP TABLE payments;
  `);
}

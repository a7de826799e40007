import { MigrationInterface, QueryRunner } from 'typeorm';

/** The shop's first schema, as `typeorm migration:generate` writes it: one queryRunner.query per statement, schema-qualified names. */
export class CreateTables1704067200001 implements MigrationInterface {
  name = 'CreateTables1704067200001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "public"."customers" ("id" SERIAL NOT NULL, "email" text NOT NULL, "name" text NOT NULL, "legacy_code" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_customers_email" UNIQUE ("email"), CONSTRAINT "PK_customers_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "public"."products" ("id" SERIAL NOT NULL, "sku" text NOT NULL, "sku_normalized" text, "name" text NOT NULL, "price_cents" integer NOT NULL, CONSTRAINT "UQ_products_sku" UNIQUE ("sku"), CONSTRAINT "CHK_products_price_cents" CHECK ("price_cents" >= 0), CONSTRAINT "PK_products_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "public"."orders" ("id" SERIAL NOT NULL, "customer_id" integer NOT NULL, "status" text NOT NULL DEFAULT 'pending', "note" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_orders_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "public"."order_items" ("id" SERIAL NOT NULL, "order_id" integer NOT NULL, "product_id" integer NOT NULL, "quantity" integer NOT NULL, "unit_price_cents" integer NOT NULL, CONSTRAINT "CHK_order_items_quantity" CHECK ("quantity" > 0), CONSTRAINT "PK_order_items_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "public"."orders" ADD CONSTRAINT "FK_orders_customer_id" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "public"."order_items" ADD CONSTRAINT "FK_order_items_order_id" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "public"."order_items" ADD CONSTRAINT "FK_order_items_product_id" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "public"."order_items" DROP CONSTRAINT "FK_order_items_product_id"`);
    await queryRunner.query(`ALTER TABLE "public"."order_items" DROP CONSTRAINT "FK_order_items_order_id"`);
    await queryRunner.query(`ALTER TABLE "public"."orders" DROP CONSTRAINT "FK_orders_customer_id"`);
    await queryRunner.query(`DROP TABLE "public"."order_items"`);
    await queryRunner.query(`DROP TABLE "public"."orders"`);
    await queryRunner.query(`DROP TABLE "public"."products"`);
    await queryRunner.query(`DROP TABLE "public"."customers"`);
  }
}

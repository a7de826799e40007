import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitSchema1712045112000 implements MigrationInterface {
  name = 'InitSchema1712045112000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`);
    await queryRunner.query(`CREATE TYPE "public"."user_role_enum" AS ENUM('customer', 'artisan', 'admin')`);
    await queryRunner.query(
      `CREATE TABLE "user" ("id" SERIAL NOT NULL, "email" character varying NOT NULL, "full_name" character varying NOT NULL, "role" "public"."user_role_enum" NOT NULL DEFAULT 'customer', "avatar_url" character varying, "legacy_password_hash" character varying, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "UQ_e12875dfb3b1d92d7d7c5377e22" UNIQUE ("email"), CONSTRAINT "PK_cace4a159ff9f2512dd42373760" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "workshop" ("id" SERIAL NOT NULL, "title" character varying(200) NOT NULL, "description" text, "price" integer NOT NULL DEFAULT '0', "capacity" integer NOT NULL DEFAULT '8', "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL, "artisan_id" integer, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_9bd0ec3cbf3a5dd0af1c9c46a3c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "workshop" ADD CONSTRAINT "FK_5d5c0a4c0e5d1e8a6f1b2e3c4d7" FOREIGN KEY ("artisan_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workshop" DROP CONSTRAINT "FK_5d5c0a4c0e5d1e8a6f1b2e3c4d7"`);
    await queryRunner.query(`DROP TABLE "workshop"`);
    await queryRunner.query(`DROP TABLE "user"`);
    await queryRunner.query(`DROP TYPE "public"."user_role_enum"`);
  }
}

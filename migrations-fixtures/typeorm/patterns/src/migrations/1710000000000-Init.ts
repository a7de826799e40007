import { MigrationInterface, QueryRunner } from 'typeorm';

// No `name` property: TypeORM records the class name. The enum type is named
// as migration:generate names it (<table>_<column>_enum).
export class Init1710000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."users_role_enum" AS ENUM('admin', 'member')`);
    await queryRunner.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying NOT NULL, "role" "public"."users_role_enum" NOT NULL DEFAULT 'member', CONSTRAINT "PK_users_id" PRIMARY KEY ("id"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP TYPE "public"."users_role_enum"`);
  }
}

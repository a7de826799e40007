import { MigrationInterface, QueryRunner } from 'typeorm';

export class EnrollmentStatusWaitlisted1713168312000 implements MigrationInterface {
  name = 'EnrollmentStatusWaitlisted1713168312000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TYPE "public"."enrollment_status_enum" RENAME TO "enrollment_status_enum_old"`);
    await queryRunner.query(`CREATE TYPE "public"."enrollment_status_enum" AS ENUM('booked', 'waitlisted', 'cancelled', 'attended')`);
    await queryRunner.query(`ALTER TABLE "enrollment" ALTER COLUMN "status" DROP DEFAULT`);
    await queryRunner.query(
      `ALTER TABLE "enrollment" ALTER COLUMN "status" TYPE "public"."enrollment_status_enum" USING "status"::"text"::"public"."enrollment_status_enum"`,
    );
    await queryRunner.query(`ALTER TABLE "enrollment" ALTER COLUMN "status" SET DEFAULT 'booked'`);
    await queryRunner.query(`DROP TYPE "public"."enrollment_status_enum_old"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."enrollment_status_enum_old" AS ENUM('booked', 'cancelled', 'attended')`);
    await queryRunner.query(`ALTER TABLE "enrollment" ALTER COLUMN "status" DROP DEFAULT`);
    await queryRunner.query(
      `ALTER TABLE "enrollment" ALTER COLUMN "status" TYPE "public"."enrollment_status_enum_old" USING "status"::"text"::"public"."enrollment_status_enum_old"`,
    );
    await queryRunner.query(`ALTER TABLE "enrollment" ALTER COLUMN "status" SET DEFAULT 'booked'`);
    await queryRunner.query(`DROP TYPE "public"."enrollment_status_enum"`);
    await queryRunner.query(`ALTER TYPE "public"."enrollment_status_enum_old" RENAME TO "enrollment_status_enum"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddUserNickname1710000000100 implements MigrationInterface {
  name = 'AddUserNickname1710000000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "nickname" character varying`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "nickname"`);
  }
}

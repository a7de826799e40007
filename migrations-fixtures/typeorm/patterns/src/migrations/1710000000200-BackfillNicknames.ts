import { MigrationInterface, QueryRunner } from 'typeorm';

// A data migration with the empty down `migration:create` leaves: undoing it would only drop its row.
export class BackfillNicknames1710000000200 implements MigrationInterface {
  name = 'BackfillNicknames1710000000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "users" SET "nickname" = split_part("email", '@', 1) WHERE "nickname" IS NULL`);
  }

  public async down(): Promise<void> {}
}

import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

export class AddWorkshopPublishedAt1714809912000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('workshop', new TableColumn({ name: 'published_at', type: 'timestamptz', isNullable: true }));
    await queryRunner.addColumn('workshop', new TableColumn({ name: 'tags', type: 'text', isArray: true, default: `'{}'` }));
    await queryRunner.createIndex('workshop', new TableIndex({ name: 'IDX_workshop_published_at', columnNames: ['published_at'] }));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('workshop', 'IDX_workshop_published_at');
    await queryRunner.dropColumn('workshop', 'tags');
    await queryRunner.dropColumn('workshop', 'published_at');
  }
}

import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

export class AddUserPhone1712563512000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('user', new TableColumn({ name: 'phone', type: 'varchar', length: '32', isNullable: true }));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('user', 'phone');
  }
}

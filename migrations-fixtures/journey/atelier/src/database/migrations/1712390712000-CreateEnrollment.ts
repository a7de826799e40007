import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';

/** Written by hand with the QueryRunner API (migration:create), not generated. */
export class CreateEnrollment1712390712000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'enrollment',
        columns: [
          { name: 'id', type: 'int', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'workshop_id', type: 'int' },
          { name: 'user_id', type: 'int' },
          { name: 'status', type: 'enum', enum: ['booked', 'cancelled', 'attended'], default: `'booked'` },
          { name: 'seats', type: 'smallint', default: 1 },
          { name: 'created_at', type: 'timestamp', default: 'now()' },
        ],
        uniques: [{ name: 'UQ_enrollment_workshop_user', columnNames: ['workshop_id', 'user_id'] }],
      }),
      true,
    );
    await queryRunner.createForeignKey(
      'enrollment',
      new TableForeignKey({ name: 'FK_enrollment_workshop', columnNames: ['workshop_id'], referencedTableName: 'workshop', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
    await queryRunner.createForeignKey(
      'enrollment',
      new TableForeignKey({ name: 'FK_enrollment_user', columnNames: ['user_id'], referencedTableName: 'user', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('enrollment');
  }
}

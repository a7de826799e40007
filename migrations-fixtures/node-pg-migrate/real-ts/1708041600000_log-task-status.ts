import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`--sql
    CREATE TABLE task_status_log (
      id bigserial PRIMARY KEY,
      task_id integer NOT NULL,
      old_status text,
      new_status text NOT NULL,
      changed_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE FUNCTION log_task_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO task_status_log (task_id, old_status, new_status) VALUES (NEW.id, OLD.status, NEW.status);
      END IF;
      RETURN NEW;
    END;
    $$;
    CREATE TRIGGER tasks_log_status AFTER UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION log_task_status();
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`--sql
    DROP TRIGGER tasks_log_status ON tasks;
    DROP FUNCTION log_task_status();
    DROP TABLE task_status_log;
  `);
}

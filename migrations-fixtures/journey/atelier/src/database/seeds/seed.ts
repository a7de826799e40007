/**
 * Local data for a fresh database (`npm run seed`), once InitSchema through
 * CreateEnrollment have run: artisans, customers, workshops (no slugs yet),
 * enrollments in every status.
 */
import dataSource from '../../config/typeorm.config';

async function seed(): Promise<void> {
  await dataSource.initialize();
  try {
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO "user" ("email", "full_name", "role", "avatar_url", "legacy_password_hash") VALUES
          ('ines@atelier.test', 'Inès Marchand', 'artisan', 'https://cdn.atelier.test/a/ines.png', '$1$oldhash$ines'),
          ('tomas@atelier.test', 'Tomás Ruiz', 'artisan', NULL, '$1$oldhash$tomas'),
          ('mei@example.org', 'Mei Chen', 'customer', 'https://cdn.atelier.test/a/mei.png', NULL),
          ('olu@example.org', 'Olu Adeyemi', 'customer', NULL, '$1$oldhash$olu'),
          ('sara@example.org', 'Sara Lind', 'customer', NULL, NULL)`,
      );
      await manager.query(
        `INSERT INTO "workshop" ("title", "description", "price", "capacity", "starts_at", "artisan_id") VALUES
          ('Wheel Throwing for Beginners', 'Two hours at the wheel.', 45, 6, '2024-05-04 10:00+02', 1),
          ('Indigo Dyeing', 'Shibori folds and an indigo vat.', 60, 8, '2024-05-11 14:00+02', 1),
          ('Hand-Bound Notebooks', NULL, 35, 10, '2024-05-18 10:00+02', 2)`,
      );
      await manager.query(
        `INSERT INTO "enrollment" ("workshop_id", "user_id", "status", "seats") VALUES
          (1, 3, 'attended', 1), (1, 4, 'cancelled', 2), (2, 3, 'booked', 1), (2, 5, 'booked', 1), (3, 4, 'cancelled', 1), (3, 5, 'attended', 1)`,
      );
    });
  } finally {
    await dataSource.destroy();
  }
}

void seed();

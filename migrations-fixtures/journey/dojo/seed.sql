-- Rows for the studio, as the app (Prisma Client) writes them. Load after
-- 20250110093000_init: members with phones (20250312150000 drops them),
-- instructors with bios (20250211090000 drops them, "renaming" the column),
-- bookings marked NO_SHOW (20250305100000 turns them into CANCELLED).
-- "updatedAt" has no database default: Prisma Client fills it (@updatedAt).
INSERT INTO "Member" ("email", "name", "phone", "tier", "updatedAt") VALUES
  ('ada@example.org', 'Ada Lovelace', '+44 20 7946 0001', 'PLUS', '2025-01-12 09:00:00'),
  ('grace@example.org', 'Grace Hopper', '+1 202 555 0102', 'BASIC', '2025-01-12 09:05:00'),
  ('alan@example.org', 'Alan Turing', NULL, 'BASIC', '2025-01-13 18:30:00'),
  ('katherine@example.org', 'Katherine Johnson', '+1 757 555 0199', 'PLUS', '2025-01-14 07:45:00'),
  ('edsger@example.org', 'Edsger Dijkstra', '+31 40 555 0123', 'BASIC', '2025-01-15 12:00:00');

INSERT INTO "Instructor" ("name", "bio") VALUES
  ('Maya', 'Vinyasa and yin; ten years of teaching in Lisbon.'),
  ('Tom', 'Strength and mobility, former rower.'),
  ('Ines', NULL);

INSERT INTO "ClassSession" ("title", "instructorId", "startsAt", "capacity") VALUES
  ('Morning flow', 1, '2025-01-20 07:00:00', 12),
  ('Lunch strength', 2, '2025-01-20 12:30:00', 8),
  ('Evening yin', 1, '2025-01-20 19:00:00', 15),
  ('Mobility basics', 3, '2025-01-21 18:00:00', 10);

INSERT INTO "Booking" ("memberId", "sessionId", "status") VALUES
  (1, 1, 'CONFIRMED'),
  (2, 1, 'CONFIRMED'),
  (3, 1, 'NO_SHOW'),
  (1, 2, 'CANCELLED'),
  (4, 2, 'CONFIRMED'),
  (5, 3, 'NO_SHOW'),
  (2, 3, 'PENDING'),
  (4, 4, 'CONFIRMED');

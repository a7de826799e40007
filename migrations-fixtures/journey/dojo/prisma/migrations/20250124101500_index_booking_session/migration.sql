-- CreateIndex
-- Edited by hand: CONCURRENTLY, so the index build does not block bookings. It is the only statement of the file, so it runs outside a transaction.
CREATE INDEX CONCURRENTLY "Booking_sessionId_idx" ON "Booking"("sessionId");

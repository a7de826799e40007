-- AlterEnum
ALTER TYPE "BookingStatus" ADD VALUE 'WAITLISTED';

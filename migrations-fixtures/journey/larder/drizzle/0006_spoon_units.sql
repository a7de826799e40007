ALTER TYPE "public"."unit" ADD VALUE 'tbsp';--> statement-breakpoint
ALTER TYPE "public"."unit" ADD VALUE 'tsp';

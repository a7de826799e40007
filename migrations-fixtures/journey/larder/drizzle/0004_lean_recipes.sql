ALTER TABLE "users" ALTER COLUMN "display_name" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "ingredients" ALTER COLUMN "amount" SET DATA TYPE real;--> statement-breakpoint
ALTER TABLE "recipes" DROP COLUMN "servings";--> statement-breakpoint
ALTER TABLE "pantry_items" RENAME COLUMN "qty" TO "quantity";

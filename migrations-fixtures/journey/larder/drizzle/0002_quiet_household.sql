CREATE TABLE "pantry_items" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" text NOT NULL,
	"qty" numeric(10, 2) DEFAULT '0' NOT NULL,
	"unit" "unit" DEFAULT 'piece' NOT NULL,
	"best_before" date
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "household" text;--> statement-breakpoint
ALTER TABLE "pantry_items" ADD CONSTRAINT "pantry_items_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pantry_items_user_idx" ON "pantry_items" USING btree ("user_id");

-- Custom SQL migration file, put your code below! --
UPDATE "users" SET "display_name" = split_part("email", '@', 1) WHERE "display_name" IS NULL;

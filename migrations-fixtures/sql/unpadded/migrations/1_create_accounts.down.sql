DROP TABLE accounts;
DROP TYPE plan_kind;

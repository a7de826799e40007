CREATE TABLE subscriptions (
  id serial PRIMARY KEY,
  account_id int NOT NULL REFERENCES accounts (id),
  status text NOT NULL,
  amount_cents int NOT NULL,
  price numeric(10,2) NOT NULL DEFAULT 0
);
CREATE INDEX subscriptions_account_id_idx ON subscriptions (account_id);

-- 1.10 comes after 1.9: versions compare as numbers, part by part.
CREATE INDEX accounts_email_idx ON accounts (email);

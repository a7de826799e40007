-- A data fix: emails are stored lower-case from now on. The old spelling of
-- each address is overwritten in place: a real rewrite.
UPDATE customers SET email = lower(email) WHERE email <> lower(email);

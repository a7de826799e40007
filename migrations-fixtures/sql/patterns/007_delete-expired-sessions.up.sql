-- Clean-up of obsolete rows: expired sessions are deleted for good.
DELETE FROM sessions WHERE expires_at < now();

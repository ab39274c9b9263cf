-- Logins on the node's web pages. Only a hash of the cookie's token is kept,
-- so a copy of the database does not let anyone log in as a resident.

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- A resident's own account (node/participation/account_self_service.py): links that
-- reset a forgotten password (valid an hour, used once) and a new e-mail address
-- waiting for confirmation through the link mailed to it (the old address stays until
-- then). token_hash is the SHA-256 of the link's token.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES local_actors (id),
    expires_at REAL NOT NULL
);
CREATE TABLE email_changes (
    actor_id INTEGER PRIMARY KEY REFERENCES local_actors (id),
    address TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at REAL NOT NULL,
    language TEXT NOT NULL
);

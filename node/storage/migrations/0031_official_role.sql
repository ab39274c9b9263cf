-- A fourth role, "official": the account that gives the official responses of the
-- municipality or the collective (node/roles.py). SQLite cannot change a CHECK
-- constraint, so the table is made anew; dropping the old one drops the web sessions
-- that belong to it (ON DELETE CASCADE), so they are kept aside and put back.
CREATE TEMP TABLE kept_sessions AS SELECT * FROM web_sessions;
CREATE TABLE accounts_with_officials (
    actor_id INTEGER PRIMARY KEY REFERENCES local_actors (id),
    role TEXT NOT NULL CHECK (role IN ('resident', 'official', 'moderator', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO accounts_with_officials (actor_id, role, password_hash, created_at)
    SELECT actor_id, role, password_hash, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_with_officials RENAME TO accounts;
INSERT INTO web_sessions SELECT * FROM kept_sessions;
DROP TABLE kept_sessions;

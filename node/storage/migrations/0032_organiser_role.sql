-- A fifth role, "organiser": the account that runs the node's processes on /organise
-- (node/web/organiser_pages.py). SQLite cannot change a CHECK constraint, so the table
-- is made anew, as 0031 did; the web sessions are kept aside and put back.
CREATE TEMP TABLE kept_sessions AS SELECT * FROM web_sessions;
CREATE TABLE accounts_with_organisers (
    actor_id INTEGER PRIMARY KEY REFERENCES local_actors (id),
    role TEXT NOT NULL CHECK (role IN ('resident', 'official', 'organiser', 'moderator', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO accounts_with_organisers (actor_id, role, password_hash, created_at)
    SELECT actor_id, role, password_hash, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_with_organisers RENAME TO accounts;
INSERT INTO web_sessions SELECT * FROM kept_sessions;
DROP TABLE kept_sessions;

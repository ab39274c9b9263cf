-- An account an administrator made organiser of one process only (node/roles.py):
-- it runs that process on /organise and no other.
CREATE TABLE process_organisers (
    process_uri TEXT NOT NULL REFERENCES processes (uri),
    actor_id INTEGER NOT NULL REFERENCES local_actors (id),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (process_uri, actor_id)
);
CREATE INDEX process_organisers_actor ON process_organisers (actor_id);

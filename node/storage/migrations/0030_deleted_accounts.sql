-- Accounts their owners deleted (node/participation/account_self_service.py). The actor
-- row stays, without its name and profile, so the Delete it sends can still be signed
-- and its user name is never given to someone else; its document answers 410 Gone.
CREATE TABLE deleted_actors (
    actor_id INTEGER PRIMARY KEY REFERENCES local_actors (id),
    deleted_at REAL NOT NULL
);

-- What residents do to posts and accounts from apps besides posting: bookmarks,
-- pins of their own posts and muted conversations (one table, by kind), and
-- muted accounts.

CREATE TABLE status_marks (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES local_actors (id),
    kind TEXT NOT NULL CHECK (kind IN ('bookmark', 'pin', 'mute')),
    object TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (actor_id, kind, object)
);
CREATE INDEX status_marks_list ON status_marks (actor_id, kind, id);

CREATE TABLE account_mutes (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES local_actors (id),
    target TEXT NOT NULL,
    hide_notifications INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    UNIQUE (actor_id, target)
);

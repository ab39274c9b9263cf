-- Edits of posts and images uploaded from apps: the earlier versions a post had
-- before each edit (its history), and each image with its alt text and the post
-- it went out with.

-- One row per replaced version of a post, written when an edit replaces it.
CREATE TABLE status_edits (
    id INTEGER PRIMARY KEY,
    object TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX status_edits_object ON status_edits (object, id);

-- An uploaded image: its file in the node's media folder, its alt text, and the
-- post it went out with (NULL until posted).
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES local_actors (id),
    file_name TEXT NOT NULL UNIQUE,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    object TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX media_object ON media (object);

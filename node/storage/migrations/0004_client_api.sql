-- The Mastodon client API: registered apps, OAuth codes and tokens (only
-- hashes of secrets are kept), account ids for actors, idempotency keys of
-- posts, notifications of local accounts and reading positions (markers).

CREATE TABLE oauth_apps (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES local_actors (id),
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    expires_at REAL NOT NULL
);

CREATE TABLE oauth_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    app_id INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    actor_id INTEGER REFERENCES local_actors (id),
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Client API account ids: one increasing integer per actor, local or remote.
CREATE TABLE api_account_ids (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE
);

CREATE TABLE idempotency_keys (
    actor_id INTEGER NOT NULL REFERENCES local_actors (id),
    key TEXT NOT NULL,
    object_uri TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (actor_id, key)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    -- '' for notifications about no object (follows), so UNIQUE holds for them.
    object TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    dismissed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (recipient, type, actor, object)
);
CREATE INDEX notifications_recipient ON notifications (recipient, id);

CREATE TABLE markers (
    actor_id INTEGER NOT NULL REFERENCES local_actors (id),
    timeline TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, timeline)
);

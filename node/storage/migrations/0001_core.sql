-- Core federation state: local and remote actors, follows, objects, the inbox
-- log that makes delivery idempotent, the outbox and the delivery queue.

CREATE TABLE local_actors (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind TEXT NOT NULL CHECK (kind IN ('instance', 'organisation', 'person', 'process')),
    as_type TEXT NOT NULL,
    display_name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    private_key_pem TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

CREATE TABLE accounts (
    actor_id INTEGER PRIMARY KEY REFERENCES local_actors (id),
    role TEXT NOT NULL CHECK (role IN ('resident', 'moderator', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE remote_actors (
    uri TEXT PRIMARY KEY,
    as_type TEXT NOT NULL,
    username TEXT NOT NULL,
    domain TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    display_name TEXT,
    url TEXT,
    key_id TEXT,
    public_key_pem TEXT,
    document TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE INDEX remote_actors_key ON remote_actors (key_id);
CREATE INDEX remote_actors_handle ON remote_actors (username, domain);

CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    follower TEXT NOT NULL,
    followed TEXT NOT NULL,
    activity_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (follower, followed)
);
CREATE INDEX follows_followed ON follows (followed, state);

CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    as_type TEXT NOT NULL,
    attributed_to TEXT,
    in_reply_to TEXT,
    audience TEXT,
    name TEXT,
    summary TEXT,
    content TEXT,
    url TEXT,
    public INTEGER NOT NULL DEFAULT 1,
    local INTEGER NOT NULL,
    published TEXT NOT NULL,
    updated TEXT,
    deleted_at TEXT,
    document TEXT NOT NULL
);
CREATE INDEX objects_reply ON objects (in_reply_to);
CREATE INDEX objects_author ON objects (attributed_to, id);
CREATE INDEX objects_audience ON objects (audience, id);

CREATE TABLE likes (
    activity_id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    object TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (actor, object)
);
CREATE INDEX likes_object ON likes (object);

CREATE TABLE announces (
    activity_id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    object TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (actor, object)
);
CREATE INDEX announces_object ON announces (object);

CREATE TABLE inbox_log (
    activity_id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    type TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    actor TEXT NOT NULL,
    type TEXT NOT NULL,
    object TEXT,
    public INTEGER NOT NULL,
    document TEXT NOT NULL,
    published TEXT NOT NULL
);
CREATE INDEX outbox_actor ON outbox (actor, id);
CREATE INDEX outbox_object ON outbox (object);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    activity TEXT NOT NULL REFERENCES outbox (uri),
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    signer TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    created_at REAL NOT NULL,
    last_error TEXT,
    UNIQUE (activity, inbox)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_host ON deliveries (host, state);

CREATE TABLE delivery_hosts (
    host TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    paused_until REAL NOT NULL DEFAULT 0,
    last_error TEXT
);

-- Moderation and trust between nodes: reports, hidden content, account
-- sanctions, process moderators, the federation policy and the public log.

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    uri TEXT UNIQUE,
    reporter TEXT NOT NULL,
    target_account TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    origin_host TEXT,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'dismissed')),
    created_at TEXT NOT NULL
);
CREATE INDEX reports_state ON reports (state, id);

CREATE TABLE report_objects (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    object_uri TEXT NOT NULL,
    PRIMARY KEY (report_id, object_uri)
);
CREATE INDEX report_objects_object ON report_objects (object_uri);

-- Why an object is hidden; objects.hidden_reason is what pages show.
CREATE TABLE hidden_objects (
    object_uri TEXT PRIMARY KEY,
    cause TEXT NOT NULL CHECK (cause IN ('hide', 'remove', 'reports', 'suspension')),
    reason TEXT NOT NULL,
    hidden_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX hidden_objects_by ON hidden_objects (hidden_by, cause);

ALTER TABLE objects ADD COLUMN hidden_reason TEXT;

CREATE TABLE account_sanctions (
    account TEXT PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('silenced', 'suspended')),
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE process_moderators (
    process_uri TEXT NOT NULL,
    account TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (process_uri, account)
);

CREATE TABLE federation_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE domain_rules (
    domain TEXT PRIMARY KEY,
    rule TEXT NOT NULL CHECK (rule IN ('allow', 'silence', 'suspend')),
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE moderation_log (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('object', 'account', 'domain', 'node')),
    subject TEXT NOT NULL,
    reason TEXT NOT NULL,
    role TEXT NOT NULL,
    process_uri TEXT,
    created_at TEXT NOT NULL
);

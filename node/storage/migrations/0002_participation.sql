-- The participation domain: processes (local and remote Group actors), their
-- proposals, the status trail, supports, comment stances and official responses.

CREATE TABLE processes (
    uri TEXT PRIMARY KEY,
    local INTEGER NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    archetype TEXT NOT NULL CHECK (archetype IN ('advise', 'initiate', 'decide')),
    phases TEXT NOT NULL DEFAULT '[]',
    current_phase TEXT NOT NULL CHECK (current_phase IN ('proposing', 'supporting', 'voting', 'closed')),
    eligibility TEXT NOT NULL CHECK (eligibility IN ('open', 'trusted-nodes', 'verified-local')),
    threshold_count INTEGER,
    threshold_share REAL,
    electorate_size INTEGER NOT NULL DEFAULT 0,
    budget_amount REAL,
    budget_currency TEXT,
    min_picks INTEGER,
    max_picks INTEGER,
    voting_options TEXT,
    hosted_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((threshold_count IS NULL) <> (threshold_share IS NULL))
);
CREATE UNIQUE INDEX processes_local_slug ON processes (slug) WHERE local = 1;

CREATE TABLE proposals (
    uri TEXT PRIMARY KEY,
    process_uri TEXT NOT NULL REFERENCES processes (uri),
    author TEXT NOT NULL,
    title TEXT NOT NULL,
    cost_amount REAL,
    cost_currency TEXT,
    area TEXT,
    status TEXT NOT NULL,
    progress INTEGER,
    awaiting_response INTEGER NOT NULL DEFAULT 0,
    question_uri TEXT,
    local INTEGER NOT NULL,
    published TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX proposals_process ON proposals (process_uri, published);

CREATE TABLE status_changes (
    id INTEGER PRIMARY KEY,
    proposal_uri TEXT NOT NULL REFERENCES proposals (uri),
    status TEXT NOT NULL,
    previous_status TEXT,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    progress INTEGER,
    published TEXT NOT NULL,
    UNIQUE (proposal_uri, status, published, reason)
);
CREATE INDEX status_changes_proposal ON status_changes (proposal_uri, id);

CREATE TABLE supports (
    activity_id TEXT PRIMARY KEY,
    proposal_uri TEXT NOT NULL REFERENCES proposals (uri),
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (proposal_uri, actor)
);

CREATE TABLE comment_stances (
    comment_uri TEXT PRIMARY KEY,
    proposal_uri TEXT NOT NULL REFERENCES proposals (uri),
    stance TEXT CHECK (stance IN ('for', 'against', 'neutral'))
);
CREATE INDEX comment_stances_proposal ON comment_stances (proposal_uri);

CREATE TABLE official_responses (
    response_uri TEXT PRIMARY KEY,
    proposal_uri TEXT NOT NULL REFERENCES proposals (uri),
    actor TEXT NOT NULL,
    published TEXT NOT NULL
);
CREATE INDEX official_responses_proposal ON official_responses (proposal_uri);

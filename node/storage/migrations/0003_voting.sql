-- Voting and verification: the address register, verified residents, letter
-- codes, trusted nodes, questions with their (secret) votes, and budget ballots.

CREATE TABLE addresses (
    postcode TEXT NOT NULL,
    house_number INTEGER NOT NULL,
    house_letter TEXT NOT NULL DEFAULT '',
    addition TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    wijk TEXT NOT NULL,
    PRIMARY KEY (postcode, house_number, house_letter, addition)
);

-- The address itself is kept only to bound the accounts per address; actor
-- documents publish the four-digit postcode area alone.
CREATE TABLE residents (
    actor_uri TEXT PRIMARY KEY,
    postcode_area TEXT NOT NULL,
    area_name TEXT,
    method TEXT NOT NULL CHECK (method IN ('address-register', 'letter-code', 'in-person')),
    address_key TEXT,
    verified_by TEXT,
    verified_at TEXT NOT NULL
);
CREATE INDEX residents_address ON residents (address_key);

CREATE TABLE letter_codes (
    code_hash TEXT PRIMARY KEY,
    address_key TEXT NOT NULL,
    postcode_area TEXT NOT NULL,
    area_name TEXT,
    issued_at TEXT NOT NULL,
    redeemed_by TEXT,
    redeemed_at TEXT
);

CREATE TABLE trusted_nodes (
    host TEXT PRIMARY KEY,
    added_at TEXT NOT NULL
);

CREATE TABLE questions (
    uri TEXT PRIMARY KEY,
    process_uri TEXT NOT NULL,
    proposal_uri TEXT NOT NULL UNIQUE,
    options TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    end_time TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX questions_process ON questions (process_uri);

CREATE TABLE votes (
    question_uri TEXT NOT NULL REFERENCES questions (uri),
    voter TEXT NOT NULL,
    option TEXT NOT NULL,
    vote_id TEXT NOT NULL,
    cast_at TEXT NOT NULL,
    PRIMARY KEY (question_uri, voter)
);

CREATE TABLE budget_rounds (
    process_uri TEXT PRIMARY KEY,
    opened_at TEXT NOT NULL,
    end_time TEXT NOT NULL,
    closed_at TEXT
);

CREATE TABLE ballot_items (
    process_uri TEXT NOT NULL REFERENCES budget_rounds (process_uri),
    proposal_uri TEXT NOT NULL,
    cost REAL NOT NULL,
    currency TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (process_uri, proposal_uri)
);

CREATE TABLE ballots (
    process_uri TEXT NOT NULL REFERENCES budget_rounds (process_uri),
    voter TEXT NOT NULL,
    ballot_id TEXT NOT NULL,
    cast_at TEXT NOT NULL,
    PRIMARY KEY (process_uri, voter)
);

CREATE TABLE ballot_picks (
    process_uri TEXT NOT NULL,
    voter TEXT NOT NULL,
    proposal_uri TEXT NOT NULL,
    PRIMARY KEY (process_uri, voter, proposal_uri),
    FOREIGN KEY (process_uri, voter) REFERENCES ballots (process_uri, voter) ON DELETE CASCADE
);

-- On the voter's side: votes and ballots sent to processes on other nodes,
-- so the voter sees whether the process refused them and why.
CREATE TABLE sent_votes (
    activity_object TEXT PRIMARY KEY,
    voter TEXT NOT NULL,
    target TEXT NOT NULL,
    choice TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sent', 'refused')),
    reason TEXT,
    sent_at TEXT NOT NULL
);
CREATE INDEX sent_votes_voter ON sent_votes (voter, target);

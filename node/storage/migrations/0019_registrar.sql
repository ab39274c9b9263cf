-- The registrar of an agreement's postcode areas: how many residents the municipal
-- register has at each address, which actor holds each register slot (address ×
-- resident number, at most one at a time), the one-time codes posted per slot,
-- which credentials were issued for which process (to withdraw them; the tokens
-- themselves are not kept), and the secret their pseudonyms are made with.

ALTER TABLE addresses ADD COLUMN residents INTEGER NOT NULL DEFAULT 1 CHECK (residents >= 1);

CREATE TABLE register_bindings (
    id INTEGER PRIMARY KEY,
    address_key TEXT NOT NULL,
    resident_number INTEGER NOT NULL CHECK (resident_number >= 1),
    postcode_area TEXT NOT NULL,
    actor_uri TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('address-register', 'letter-code', 'in-person')),
    bound_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_reason TEXT
);
CREATE UNIQUE INDEX register_bindings_slot
    ON register_bindings (address_key, resident_number) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX register_bindings_actor
    ON register_bindings (actor_uri) WHERE revoked_at IS NULL;

CREATE TABLE slot_codes (
    code_hash TEXT PRIMARY KEY,
    address_key TEXT NOT NULL,
    resident_number INTEGER NOT NULL,
    postcode_area TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    redeemed_by TEXT,
    redeemed_at TEXT
);

CREATE TABLE issued_credentials (
    id TEXT PRIMARY KEY,
    binding_id INTEGER NOT NULL REFERENCES register_bindings (id),
    process_uri TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX issued_credentials_binding ON issued_credentials (binding_id);

CREATE TABLE registrar_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
);

-- On the node that counts votes: credentials their registrar withdrew (the slot was
-- bound to another actor). A vote with one of them is refused, and one counted
-- before the withdrawal is taken out of the tally while the vote is open.
CREATE TABLE revoked_credentials (
    credential_id TEXT PRIMARY KEY,
    registrar TEXT NOT NULL,
    revoked_at TEXT NOT NULL
);

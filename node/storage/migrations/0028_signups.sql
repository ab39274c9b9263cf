-- Accounts residents opened themselves (node/participation/signup.py). The account and
-- its actor exist from the sign-up on; it can log in once its e-mail address is
-- confirmed through the link mailed to it (confirm_token is the SHA-256 of the link's
-- token, valid until confirm_expires) and, where a moderator approves new accounts
-- ([accounts] registrations = "approval"), once approved. An account made with
-- `samenspraak account create` has no row here and was never held.
CREATE TABLE account_signups (
    actor_id INTEGER PRIMARY KEY REFERENCES local_actors (id),
    email TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    confirm_token TEXT UNIQUE,
    confirm_expires REAL,
    approval TEXT NOT NULL CHECK (approval IN ('none', 'pending', 'approved')),
    reason TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    created_at REAL NOT NULL
);
-- One account per address, whatever its capitals.
CREATE UNIQUE INDEX account_signups_email ON account_signups (lower(email));
-- Invitation links an administrator made for a node with closed registrations: each
-- opens one account before expires_at. code_hash is the SHA-256 of the link's code.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_by TEXT,
    used_at REAL
);

-- Notification e-mails (node/notification_mail.py). A resident's address, whether they
-- confirmed it through the link mailed to it, and which kinds of mail they asked for
-- (all off until they tick them). confirm_token is the SHA-256 of the link's token,
-- valid until confirm_expires; unsubscribe_token is in every mail's unsubscribe link.
-- language is the one they last used the pages in: the mails are written in it.
CREATE TABLE mail_subscribers (
    actor_uri TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    confirm_token TEXT UNIQUE,
    confirm_expires REAL,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    status_changes INTEGER NOT NULL DEFAULT 0 CHECK (status_changes IN (0, 1)),
    official_responses INTEGER NOT NULL DEFAULT 0 CHECK (official_responses IN (0, 1)),
    votes_opening INTEGER NOT NULL DEFAULT 0 CHECK (votes_opening IN (0, 1))
);
-- Mails waiting to go out, written in the transaction of the event they tell of and
-- sent by the periodic jobs afterwards, never inside a transaction or a request.
-- event_key (what the mail is about, and to whom) keeps an event told twice, as a
-- federated one may be, to one mail. Claimed as deliveries are (0023_job_claims.sql),
-- so with several processes a mail goes out once.
CREATE TABLE mail_queue (
    id INTEGER PRIMARY KEY,
    event_key TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    unsubscribe TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL,
    claimed_until REAL,
    claimed_by TEXT
);
CREATE INDEX mail_queue_due ON mail_queue (state, next_attempt_at);

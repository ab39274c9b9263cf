-- Fan-out jobs: an activity's addressing, written in the sender's transaction
-- with the activity itself. The delivery worker resolves the recipients to
-- inboxes afterwards (which may fetch remote actors, so never inside a write
-- transaction), then writes one delivery per inbox and deletes the fan-out row
-- in one transaction. A crash in between redoes the fan-out; deliveries are
-- unique by (activity, inbox), so nothing is queued twice.
CREATE TABLE fanouts (
    id INTEGER PRIMARY KEY,
    activity TEXT NOT NULL UNIQUE REFERENCES outbox (uri),
    signer TEXT NOT NULL,
    recipients TEXT NOT NULL,
    personal_inboxes INTEGER NOT NULL CHECK (personal_inboxes IN (0, 1)),
    created_at REAL NOT NULL
);

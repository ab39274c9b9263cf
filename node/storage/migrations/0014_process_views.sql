-- What a node took last from a remote process about each proposal it shows: the
-- time of the process's view (its Update's ``published``, to the microsecond). A
-- view older than the one taken is stale: deliveries retried after a node was
-- down can arrive in any order, and an old support count must not win.
CREATE TABLE process_views (
    proposal_uri TEXT PRIMARY KEY,
    seen_at REAL NOT NULL
);

-- Proposals of local processes whose support count changed since the last
-- Update went out; one Update per proposal follows after a short delay, as the
-- tallies of a vote are batched (0008), so a support costs one delivery per
-- following node however many people support at once.
CREATE TABLE pending_support_counts (
    proposal_uri TEXT PRIMARY KEY,
    since REAL NOT NULL
);

-- Hosts a fan-out leaves out: a process does not announce a comment back to the
-- Samenspraak node it came from, which shows it already.
ALTER TABLE fanouts ADD COLUMN skip_hosts TEXT NOT NULL DEFAULT '[]';

-- Rate-limit buckets that all processes of a node spend together (moderation/ports.py,
-- SharedBuckets): a node whose database other processes share (PostgreSQL with
-- serve --workers or samenspraak worker) keeps them here; a node in one process keeps
-- them in memory. updated_at is in seconds since the epoch, a clock every process reads
-- alike. A bucket not touched for longer than its rate's period is full again and is
-- removed: a missing bucket counts as full.
CREATE TABLE rate_buckets (
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    tokens REAL NOT NULL,
    updated_at REAL NOT NULL,
    -- Whether the last hit was let through: what that hit's one statement returns.
    allowed INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (action, subject)
);
CREATE INDEX rate_buckets_updated ON rate_buckets (updated_at);

-- Jobs claimed by one of several processes (samenspraak worker, serve --workers on
-- PostgreSQL): a claimed fan-out or delivery carries the moment its claim lapses.
-- A process killed while it held jobs leaves them claimed until then; another
-- process takes them again after it. NULL: nobody holds the job. claimed_by names
-- the process that took it last (machine:pid), for whoever looks into a stuck job.
ALTER TABLE deliveries ADD COLUMN claimed_until REAL;
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE fanouts ADD COLUMN claimed_until REAL;
ALTER TABLE fanouts ADD COLUMN claimed_by TEXT;
-- A delivery is claimed only when no earlier delivery to its inbox is held by
-- another process, so one inbox's activities still go out in the order sent.
CREATE INDEX deliveries_inbox ON deliveries (inbox, state, id);
-- Each process that runs the jobs says it is alive every periodic round, so the
-- health check of a web process that leaves the jobs to workers can see them.
CREATE TABLE job_runners (
    name TEXT PRIMARY KEY,
    seen_at REAL NOT NULL
);

-- Limits an organiser may set on an open process, where any fediverse account
-- takes part: at most so many accounts per server, and only accounts at least
-- so many days old. And who took part in each process from which server, so
-- the cap is one indexed count and results can be told per server.

ALTER TABLE processes ADD COLUMN per_server_cap INTEGER
    CHECK (per_server_cap IS NULL OR per_server_cap >= 1);
ALTER TABLE processes ADD COLUMN min_account_age_days INTEGER
    CHECK (min_account_age_days IS NULL OR min_account_age_days >= 1);

CREATE TABLE process_participants (
    process_uri TEXT NOT NULL,
    actor_uri TEXT NOT NULL,
    -- The host of actor_uri, lower-cased, with a non-default port
    -- (federation/actors.py host_of).
    server TEXT NOT NULL,
    first_at TEXT NOT NULL,
    PRIMARY KEY (process_uri, actor_uri)
);
CREATE INDEX process_participants_server ON process_participants (process_uri, server);

-- Everyone who already supported, voted or cast a ballot. The host is the part of
-- the id between "://" and the next "/", as host_of reads it for these ids (one per
-- actor: MIN only because PostgreSQL takes no column outside GROUP BY bare).
WITH participations (process_uri, actor_uri, at) AS (
    SELECT p.process_uri, s.actor, s.created_at
        FROM supports s JOIN proposals p ON p.uri = s.proposal_uri
    UNION ALL
    SELECT q.process_uri, v.voter, v.cast_at FROM votes v JOIN questions q ON q.uri = v.question_uri
    UNION ALL
    SELECT process_uri, voter, cast_at FROM ballots
)
INSERT INTO process_participants (process_uri, actor_uri, server, first_at)
    SELECT process_uri, actor_uri,
        MIN(lower(substr(rest, 1, instr(rest || '/', '/') - 1))),
        MIN(at)
    FROM (SELECT process_uri, actor_uri, at,
                 substr(actor_uri, instr(actor_uri, '://') + 3) AS rest
          FROM participations) AS participated
    GROUP BY process_uri, actor_uri;

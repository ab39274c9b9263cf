-- Tallies are counted by SQLite per option; this index covers that GROUP BY, so a
-- tally reads the index alone instead of every vote row.
CREATE INDEX votes_by_option ON votes (question_uri, option);

-- Questions whose tallies changed since their last Update went out. Votes mark
-- them; one Update per question is sent after a short delay, as Mastodon
-- batches poll updates, so a vote costs the same with ten voters or ten thousand.
CREATE TABLE pending_tally_updates (
    question_uri TEXT PRIMARY KEY,
    since REAL NOT NULL
);

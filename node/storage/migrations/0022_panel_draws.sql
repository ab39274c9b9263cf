-- Panel draws (loting, node/participation/sortition.py): the draws a process holds,
-- the residents who opted in under a pseudonym, and each party's commitment and
-- reveal of the seed. A party's own secret stays here until it reveals it.

CREATE TABLE panel_draws (
    uri TEXT PRIMARY KEY,
    process_uri TEXT NOT NULL,
    title TEXT NOT NULL,
    seats INTEGER NOT NULL CHECK (seats >= 1),
    stratified INTEGER NOT NULL,
    areas TEXT NOT NULL,
    parties TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'committing', 'revealing', 'drawn')),
    seed TEXT,
    created_at TEXT NOT NULL,
    drawn_at TEXT
);
CREATE INDEX panel_draws_process ON panel_draws (process_uri);

CREATE TABLE panel_candidates (
    draw_uri TEXT NOT NULL REFERENCES panel_draws (uri),
    actor_uri TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    area TEXT NOT NULL,
    opted_in_at TEXT NOT NULL,
    selected INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (draw_uri, actor_uri),
    UNIQUE (draw_uri, pseudonym)
);

CREATE TABLE draw_seeds (
    draw_uri TEXT NOT NULL,
    party TEXT NOT NULL,
    commitment TEXT NOT NULL,
    reveal TEXT,
    secret TEXT,
    PRIMARY KEY (draw_uri, party)
);

-- A resident's sign-up for a panel draw of another node's process
-- (node/participation/sortition.py ask_to_join): the Join this node sent for them, and
-- the process's answer (an Accept with their pseudonym, or a Reject with its reason), so
-- their own pages can say where they stand.

CREATE TABLE draw_sign_ups (
    join_id TEXT PRIMARY KEY,
    actor_uri TEXT NOT NULL,
    draw_uri TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('asked', 'accepted', 'refused')),
    pseudonym TEXT,
    reason TEXT,
    asked_at TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX draw_sign_ups_actor ON draw_sign_ups (actor_uri, draw_uri);

-- What moved a process on, by its dates or by hand: phases entered, votes and the
-- budget ballot closed, reminders sent before a phase ended. The decision log shows
-- them; the unique key is the "done" mark the scheduler writes in the same
-- transaction as the move, so a move is made once, also after a restart.

CREATE TABLE process_moves (
    id INTEGER PRIMARY KEY,
    process_uri TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('phase', 'vote-closed', 'ballot-closed', 'reminder')),
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    previous_state TEXT,
    due_at TEXT,
    actor TEXT NOT NULL,
    done_at TEXT NOT NULL,
    UNIQUE (kind, subject, state)
);
CREATE INDEX process_moves_process ON process_moves (process_uri, id);

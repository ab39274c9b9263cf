-- What each remote server said of itself in its NodeInfo, asked once a day at most:
-- its software (which shape of announce it reads) and its name (shown beside the
-- names of its people). NULL where it said nothing.
CREATE TABLE remote_hosts (
    host TEXT PRIMARY KEY,
    software TEXT,
    node_name TEXT,
    checked_at REAL NOT NULL
);

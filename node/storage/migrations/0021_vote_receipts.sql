-- Vote receipts (node/participation/receipts.py): the hash of the receipt code of each
-- counted vote and ballot, replaced with the vote; and on the voter's side the codes
-- this node's residents were given, for their own pages.

ALTER TABLE votes ADD COLUMN receipt_hash TEXT;
ALTER TABLE ballots ADD COLUMN receipt_hash TEXT;
-- Votes counted before receipts existed get a receipt nobody holds, so the published
-- list still has one hash per counted vote.
UPDATE votes SET receipt_hash = lower(hex(randomblob(32)));
UPDATE ballots SET receipt_hash = lower(hex(randomblob(32)));

CREATE TABLE vote_receipts (
    vote_id TEXT PRIMARY KEY,
    voter TEXT NOT NULL,
    target TEXT NOT NULL,
    code TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE INDEX vote_receipts_voter ON vote_receipts (voter, target);

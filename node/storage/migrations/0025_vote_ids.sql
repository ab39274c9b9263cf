-- A voter may take back a counted vote while it is open (an Undo of the vote, found by
-- its id: node/participation/voting.py withdraw_vote).

CREATE INDEX votes_vote_id ON votes (vote_id);

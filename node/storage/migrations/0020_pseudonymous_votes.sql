-- In a process under an agreement a vote counts under the pseudonym of its
-- credential (node/participation/credentials.py): one vote per registered resident,
-- whichever account it comes from. A later vote with the same pseudonym replaces
-- the earlier one; a vote whose credential is withdrawn is taken out.

ALTER TABLE votes ADD COLUMN pseudonym TEXT;
ALTER TABLE votes ADD COLUMN credential_id TEXT;
CREATE UNIQUE INDEX votes_pseudonym ON votes (question_uri, pseudonym)
    WHERE pseudonym IS NOT NULL;
CREATE INDEX votes_credential ON votes (credential_id) WHERE credential_id IS NOT NULL;

ALTER TABLE ballots ADD COLUMN pseudonym TEXT;
ALTER TABLE ballots ADD COLUMN credential_id TEXT;
CREATE UNIQUE INDEX ballots_pseudonym ON ballots (process_uri, pseudonym)
    WHERE pseudonym IS NOT NULL;
CREATE INDEX ballots_credential ON ballots (credential_id) WHERE credential_id IS NOT NULL;

-- Running counts per question and option, kept by SQLite itself in the same
-- statement as every vote, replaced vote and removed vote. Reading a tally is
-- then a read of a few rows however many people voted, and the counts cannot
-- drift from the votes: the recount test compares them with a GROUP BY.
-- (No INSERT OR IGNORE in the triggers: the firing statement's conflict policy
-- overrides a trigger statement's own, so a missing row is added with NOT EXISTS.)
CREATE TABLE vote_counts (
    question_uri TEXT NOT NULL,
    option TEXT NOT NULL,
    voters INTEGER NOT NULL,
    PRIMARY KEY (question_uri, option)
);

INSERT INTO vote_counts (question_uri, option, voters)
    SELECT question_uri, option, COUNT(*) FROM votes GROUP BY question_uri, option;

CREATE TRIGGER votes_counted_on_insert AFTER INSERT ON votes
BEGIN
    INSERT INTO vote_counts (question_uri, option, voters)
        SELECT NEW.question_uri, NEW.option, 0 WHERE NOT EXISTS (
            SELECT 1 FROM vote_counts
            WHERE question_uri = NEW.question_uri AND option = NEW.option);
    UPDATE vote_counts SET voters = voters + 1
        WHERE question_uri = NEW.question_uri AND option = NEW.option;
END;

CREATE TRIGGER votes_counted_on_change AFTER UPDATE OF option ON votes
WHEN OLD.option IS NOT NEW.option
BEGIN
    UPDATE vote_counts SET voters = voters - 1
        WHERE question_uri = OLD.question_uri AND option = OLD.option;
    INSERT INTO vote_counts (question_uri, option, voters)
        SELECT NEW.question_uri, NEW.option, 0 WHERE NOT EXISTS (
            SELECT 1 FROM vote_counts
            WHERE question_uri = NEW.question_uri AND option = NEW.option);
    UPDATE vote_counts SET voters = voters + 1
        WHERE question_uri = NEW.question_uri AND option = NEW.option;
END;

CREATE TRIGGER votes_counted_on_delete AFTER DELETE ON votes
BEGIN
    UPDATE vote_counts SET voters = voters - 1
        WHERE question_uri = OLD.question_uri AND option = OLD.option;
END;

-- Since when an uploaded image has been in no post (NULL while a post or a profile
-- has it): uploads that never went out, or stayed after their post was deleted,
-- are removed after a day, as Mastodon removes unattached media.

ALTER TABLE media ADD COLUMN unposted_since TEXT;
UPDATE media SET unposted_since = created_at WHERE object IS NULL;
CREATE INDEX media_unposted ON media (unposted_since);

-- Under an agreement a candidate of a panel draw holds a registrar's credential, as a
-- vote does (node/participation/sortition.py): one candidacy per registered resident
-- (the credential's pseudonym), and a withdrawn credential takes its candidate out of
-- a draw still open.

ALTER TABLE panel_candidates ADD COLUMN resident TEXT;
ALTER TABLE panel_candidates ADD COLUMN credential_id TEXT;
CREATE UNIQUE INDEX panel_candidates_resident ON panel_candidates (draw_uri, resident)
    WHERE resident IS NOT NULL;
CREATE INDEX panel_candidates_credential ON panel_candidates (credential_id)
    WHERE credential_id IS NOT NULL;

-- A proposal an organiser marked as a duplicate points to the proposal it was merged
-- into (node/participation/merging.py); its supporters count toward that one.
ALTER TABLE proposals ADD COLUMN merged_into TEXT;
CREATE INDEX proposals_merged_into ON proposals (merged_into);

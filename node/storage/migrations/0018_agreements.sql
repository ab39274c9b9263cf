-- Agreements ("afspraken per wijk") between a municipality node and a neighbourhood
-- node, as both keep them: the agreement document as offered, its state, the
-- postcode areas it covers with the registrar named for each, and every change
-- of state (who, when, why), so /agreements shows the whole history.

CREATE TABLE agreements (
    uri TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    neighbourhood TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('offered', 'accepted', 'declined', 'ended')),
    document TEXT NOT NULL,
    offered_at TEXT NOT NULL
);

CREATE TABLE agreement_areas (
    agreement_uri TEXT NOT NULL REFERENCES agreements (uri),
    postcode_area TEXT NOT NULL,
    name TEXT,
    registrar TEXT NOT NULL,
    PRIMARY KEY (agreement_uri, postcode_area)
);
CREATE INDEX agreement_areas_area ON agreement_areas (postcode_area);

CREATE TABLE agreement_history (
    id INTEGER PRIMARY KEY,
    agreement_uri TEXT NOT NULL REFERENCES agreements (uri),
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX agreement_history_agreement ON agreement_history (agreement_uri, id);

-- A decide process that spends a municipal budget names the agreement that delegates it.
ALTER TABLE processes ADD COLUMN agreement_uri TEXT;

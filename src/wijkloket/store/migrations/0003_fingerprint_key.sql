-- The key of the events' fingerprints (duplicates across exports) lives in the store itself, so a copy of
-- the workspace without its hidden files still recognises rows it has seen. An existing
-- `.wijkloket-secret` beside the store is taken over by this migration's step (store/workspace.py), so the
-- fingerprints already stored stay valid. One row.
CREATE TABLE IF NOT EXISTS fingerprint_key (
    key        VARCHAR NOT NULL,
    origin     VARCHAR NOT NULL,   -- new, or the file it was taken over from (.wijkloket-secret)
    created_at TIMESTAMP NOT NULL
);

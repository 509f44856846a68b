CREATE SEQUENCE IF NOT EXISTS source_ids START 1;
CREATE TABLE IF NOT EXISTS sources (
    source_id     INTEGER PRIMARY KEY,
    kind          VARCHAR NOT NULL,   -- cbs_kaart, cbs_odata, cbs_statline, districts, ...
    dataset       VARCHAR NOT NULL,
    publisher     VARCHAR NOT NULL,
    year          INTEGER,
    filename      VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    added_at      TIMESTAMP NOT NULL,
    rows_read     INTEGER NOT NULL,
    rows_accepted INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    levels        VARCHAR,
    n_areas       INTEGER,
    privacy       VARCHAR NOT NULL,   -- open, internal, personal
    synthetic     BOOLEAN NOT NULL,
    report        JSON                -- the ingest report: mappings, warnings, rejections by reason
);
CREATE TABLE IF NOT EXISTS areas (
    source_id     INTEGER NOT NULL,
    year          INTEGER NOT NULL,
    area_code     VARCHAR NOT NULL,
    level         VARCHAR NOT NULL,
    name          VARCHAR,
    gemeente_code VARCHAR NOT NULL,
    gemeente_name VARCHAR
);
CREATE TABLE IF NOT EXISTS area_values (
    source_id  INTEGER NOT NULL,
    year       INTEGER NOT NULL,
    area_code  VARCHAR NOT NULL,
    variable   VARCHAR NOT NULL,
    value      DOUBLE,
    status     VARCHAR NOT NULL      -- ok, empty, invalid, suppressed, not_available, not_applicable
);
CREATE TABLE IF NOT EXISTS geometries (
    source_id  INTEGER NOT NULL,
    year       INTEGER NOT NULL,
    area_code  VARCHAR NOT NULL,
    level      VARCHAR NOT NULL,
    wkb        BLOB NOT NULL         -- EPSG:28992 (RD New)
);
CREATE TABLE IF NOT EXISTS districts (
    source_id     INTEGER NOT NULL,
    area_code     VARCHAR NOT NULL,
    district_code VARCHAR NOT NULL,
    district      VARCHAR NOT NULL,
    area_name     VARCHAR
);
CREATE TABLE IF NOT EXISTS rejections (
    source_id   INTEGER NOT NULL,
    row_number  INTEGER NOT NULL,
    column_name VARCHAR,
    value       VARCHAR,
    reason      VARCHAR NOT NULL
);

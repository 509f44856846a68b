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
CREATE TABLE IF NOT EXISTS postcodes (
    source_id  INTEGER NOT NULL,
    postcode   VARCHAR NOT NULL,     -- normalised: 2011AB (pc6) or 2011 (pc4)
    kind       VARCHAR NOT NULL,     -- pc6, pc4
    area_code  VARCHAR NOT NULL,     -- buurt or wijk code
    addresses  DOUBLE NOT NULL,      -- addresses of the postcode in the area (1 when unknown)
    share      DOUBLE NOT NULL       -- addresses / all addresses of the postcode
);
-- Desk visits and issued documents, one row per event and area; an event whose postcode spans
-- several areas is split by the postcode table's address shares (weight < 1).
-- No BSN, name, date of birth, house number or postcode is stored: only the area, an age band
-- and a keyed fingerprint (md5 over the workspace's secret and the fields) to detect duplicates.
CREATE TABLE IF NOT EXISTS events (
    source_id   INTEGER NOT NULL,
    kind        VARCHAR NOT NULL,    -- visit, issuance
    fingerprint UHUGEINT NOT NULL,   -- md5 of the workspace secret and the event's fields
    event_date  DATE NOT NULL,
    year        SMALLINT NOT NULL,
    month       TINYINT NOT NULL,
    weekday     TINYINT NOT NULL,    -- ISO: 1 = Monday
    product     VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,    -- attended, no_show, cancelled (issuances: attended)
    location    VARCHAR,
    age_band    VARCHAR,             -- 0-14, 15-24, 25-44, 45-64, 65+ (CBS bands) or NULL
    area_code   VARCHAR NOT NULL,
    weight      DOUBLE NOT NULL,
    lookup      VARCHAR NOT NULL     -- pc6, pc4 (postcode level the area came from)
);
CREATE TABLE IF NOT EXISTS points (
    source_id         INTEGER NOT NULL,
    point_id          INTEGER NOT NULL,
    name              VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,  -- desk, library_ido, community_centre, social_team, mobile_stop, candidate
    x                 DOUBLE NOT NULL,   -- RD New (EPSG:28992), metres
    y                 DOUBLE NOT NULL,
    hours_per_week    DOUBLE,
    capacity_per_week DOUBLE,
    annual_cost       DOUBLE,
    inside            BOOLEAN NOT NULL   -- inside the municipality
);
-- Road network: nodes and edges (metres), when one is added.
CREATE TABLE IF NOT EXISTS network_nodes (source_id INTEGER, node BIGINT, x DOUBLE, y DOUBLE);
CREATE TABLE IF NOT EXISTS network_edges (source_id INTEGER, a BIGINT, b BIGINT, metres DOUBLE);
-- Travel distances computed once per set of inputs (key = hash of demand, points and method).
CREATE TABLE IF NOT EXISTS travel_cache (key VARCHAR, row_index INTEGER, col_index INTEGER, km DOUBLE);

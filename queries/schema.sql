-- name: schema
-- The canonical warehouse: one shape whatever file vintage the data came from.
-- Conventions: URNs are integers; `year` is the academic year's first calendar year (2022 = 2022/23,
-- the January 2023 census; CIN "at 31 March 2023" also belongs to 2022); every rate or share is a
-- 0-1 proportion; coordinates and geometries are British National Grid (EPSG:27700);
-- `missing_reason` keeps why a value is absent (a suppression token's meaning).
-- Every data table carries source_file, vintage and loaded_at; load_log has one row per load.

CREATE TABLE IF NOT EXISTS schools (            -- GIAS edubasealldata, one row per establishment
    urn INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    la_code VARCHAR,                            -- old three-digit LA code, e.g. '846'
    la_name VARCHAR,
    lad_code VARCHAR,                           -- ONS code, e.g. 'E06000043', when the file has it
    region VARCHAR,
    type VARCHAR,                               -- TypeOfEstablishment (name)
    type_group VARCHAR,                         -- EstablishmentTypeGroup (name)
    status VARCHAR,                             -- EstablishmentStatus (name): Open, Closed, ...
    phase VARCHAR,                              -- PhaseOfEducation (name)
    admissions_policy VARCHAR,                  -- Selective / Non-selective / Not applicable / NULL
    religious_character VARCHAR,
    pupils INTEGER,                             -- NumberOfPupils
    pct_fsm DOUBLE,                             -- PercentageFSM as a proportion
    capacity INTEGER,                           -- SchoolCapacity
    statutory_low_age INTEGER,                  -- StatutoryLowAge: 16 for a 16-19 school, 14 for a UTC
    statutory_high_age INTEGER,                 -- StatutoryHighAge
    easting DOUBLE,
    northing DOUBLE,
    lsoa VARCHAR,                               -- LSOA (code) as given (2011 or 2021 codes)
    trust_code VARCHAR,                         -- Trusts (code)
    trust_name VARCHAR,                         -- Trusts (name)
    open_date DATE,
    close_date DATE,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS trust_membership (   -- GIAS group links: school -> trust / federation
    urn INTEGER NOT NULL,
    group_uid VARCHAR NOT NULL,
    group_id VARCHAR,
    group_name VARCHAR,
    group_type VARCHAR,                         -- e.g. Multi-academy trust, Single-academy trust, Federation
    group_status VARCHAR,
    joined_date DATE,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (urn, group_uid)
);

CREATE TABLE IF NOT EXISTS school_links (       -- GIAS links: predecessor / successor URNs
    urn INTEGER NOT NULL,
    link_urn INTEGER NOT NULL,
    link_name VARCHAR,
    link_type VARCHAR NOT NULL,                 -- e.g. 'Predecessor - merged', 'Successor'
    link_date DATE,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (urn, link_urn, link_type)
);

CREATE TABLE IF NOT EXISTS school_census (      -- SPC descriptive fields by school and year
    urn INTEGER NOT NULL,
    year INTEGER NOT NULL,
    name VARCHAR,
    la_code VARCHAR,
    la_name VARCHAR,
    lad_code VARCHAR,
    region VARCHAR,
    phase_type_grouping VARCHAR,                -- State-funded primary / secondary / special, ...
    type VARCHAR,
    trust_name VARCHAR,
    admissions_policy VARCHAR,
    religious_character VARCHAR,
    pupils DOUBLE,                              -- headcount
    youngest_year_group INTEGER,                -- lowest year group with pupils: Reception 0, Year 1 ... 14
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (urn, year)
);

CREATE TABLE IF NOT EXISTS school_indicators (  -- school side: numerators and denominators by year
    urn INTEGER NOT NULL,
    year INTEGER NOT NULL,
    indicator VARCHAR NOT NULL,                 -- fsm, sen_support, ehcp, cin
    numerator DOUBLE,
    denominator DOUBLE,                         -- NULL for cin-schools files: the audit takes the roll
    missing_reason VARCHAR,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (urn, year, indicator)
);

CREATE TABLE IF NOT EXISTS lsoa_boundaries (
    lsoa VARCHAR PRIMARY KEY,
    lsoa_vintage INTEGER,                       -- 2011 or 2021
    name VARCHAR,
    geom GEOMETRY,                              -- EPSG:27700, repaired where invalid
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS lsoa_centroids (     -- population-weighted centroids where available
    lsoa VARCHAR PRIMARY KEY,
    lsoa_vintage INTEGER,
    easting DOUBLE NOT NULL,
    northing DOUBLE NOT NULL,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS lsoa_lookup (        -- ONS LSOA 2011 -> 2021 best-fit lookup
    lsoa11 VARCHAR NOT NULL,
    lsoa21 VARCHAR NOT NULL,
    chgind VARCHAR,                             -- U unchanged, S split, M merged, X irregular
    lad_code VARCHAR,
    lad_name VARCHAR,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (lsoa11, lsoa21)
);

CREATE TABLE IF NOT EXISTS lsoa_population (    -- residents by LSOA and age band
    lsoa VARCHAR NOT NULL,
    lsoa_vintage INTEGER,
    year INTEGER NOT NULL,                      -- reference year of the estimate (2021 = Census 2021)
    age_band VARCHAR NOT NULL,                  -- as published, e.g. 'Aged 15 years and under'
    age_min INTEGER,
    age_max INTEGER,                            -- NULL = open-ended
    population DOUBLE,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (lsoa, year, age_band)
);

CREATE TABLE IF NOT EXISTS lsoa_deprivation (   -- IoD scores (IDACI is a 0-1 proportion)
    lsoa VARCHAR NOT NULL,
    lsoa_vintage INTEGER,
    year INTEGER NOT NULL,                      -- IoD edition, e.g. 2019
    measure VARCHAR NOT NULL,                   -- idaci, imd, income
    score DOUBLE,
    rank INTEGER,
    decile INTEGER,
    la_code VARCHAR,                            -- the file's LAD code
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (lsoa, year, measure)
);

CREATE TABLE IF NOT EXISTS lsoa_rates (         -- user-supplied community rates by LSOA (e.g. CIN)
    lsoa VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    indicator VARCHAR NOT NULL,
    rate DOUBLE,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (lsoa, year, indicator)
);

CREATE TABLE IF NOT EXISTS area_statistics (    -- EES national / regional / LA figures
    level VARCHAR NOT NULL,                     -- National, Regional, Local authority
    area_code VARCHAR NOT NULL,                 -- E92..., E12..., E06/E08/E09/E10...
    old_la_code VARCHAR,
    name VARCHAR,
    region VARCHAR,
    year INTEGER NOT NULL,                      -- academic-year convention above
    measure VARCHAR NOT NULL,                   -- cin_at31 (children in need at 31 March), population_0_17
    value DOUBLE,
    missing_reason VARCHAR,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (area_code, year, measure)
);

CREATE TABLE IF NOT EXISTS catchments (         -- published catchment polygons
    layer VARCHAR NOT NULL,                     -- the file's name without extension
    catchment_id VARCHAR NOT NULL,
    name VARCHAR,
    urn INTEGER,                                -- when the catchment names one school
    geom GEOMETRY,                              -- EPSG:27700
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (layer, catchment_id)
);

CREATE TABLE IF NOT EXISTS la_boundaries (      -- local authority outlines (ONS LAD or county/unitary)
    area VARCHAR NOT NULL,                      -- the ONS code when the file has one, else the name
    code VARCHAR,
    name VARCHAR,
    geom GEOMETRY,                              -- EPSG:27700
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (area)
);

CREATE TABLE IF NOT EXISTS flows (              -- residence flows: where each school's pupils live
    urn INTEGER NOT NULL,
    lsoa VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    pupils DOUBLE NOT NULL,
    fsm DOUBLE,
    sen DOUBLE,
    cin DOUBLE,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP
    -- key (urn, lsoa, year), kept unique by the flows loader and Warehouse.store, not by a PRIMARY KEY:
    -- its index made a 3-million-row load take 10-20 s instead of a few
);

CREATE TABLE IF NOT EXISTS load_log (
    source VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    vintage VARCHAR,
    loaded_at TIMESTAMP NOT NULL,
    rows_read BIGINT,
    rows_loaded BIGINT,
    rows_rejected BIGINT
);

CREATE TABLE IF NOT EXISTS rejects (
    source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number BIGINT,                          -- line number in the file (header = 1)
    reason VARCHAR NOT NULL,
    raw VARCHAR,
    loaded_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS school_admissions (  -- DfE school-level applications and offers, by entry year
    urn INTEGER NOT NULL,
    year INTEGER NOT NULL,                      -- entry year: offers made in spring of it, for September
    phase VARCHAR NOT NULL,                     -- Primary (Reception) or Secondary (Year 7)
    la_code VARCHAR,
    preferences DOUBLE,                         -- preferences the LA allows
    places_offered DOUBLE, preferred_offers DOUBLE, first_pref_offers DOUBLE, second_pref_offers DOUBLE,
    third_pref_offers DOUBLE, times_any DOUBLE, times_first DOUBLE, times_second DOUBLE, times_third DOUBLE,
    from_another_la DOUBLE, offers_another_la DOUBLE,
    source_file VARCHAR, vintage VARCHAR, loaded_at TIMESTAMP,
    PRIMARY KEY (urn, year, phase)
);

-- Columns added since the first release, so a warehouse made by an earlier version gains them.
ALTER TABLE schools ADD COLUMN IF NOT EXISTS statutory_low_age INTEGER;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS statutory_high_age INTEGER;
ALTER TABLE schools ADD COLUMN IF NOT EXISTS gender VARCHAR;         -- Gender (name): Mixed / Boys / Girls
ALTER TABLE school_census ADD COLUMN IF NOT EXISTS youngest_year_group INTEGER;
ALTER TABLE school_census ADD COLUMN IF NOT EXISTS year_groups INTEGER;     -- of Reception..Year 11, with pupils
ALTER TABLE school_census ADD COLUMN IF NOT EXISTS boarders DOUBLE;         -- total boarders
ALTER TABLE school_census ADD COLUMN IF NOT EXISTS hospital_school BOOLEAN;
ALTER TABLE school_census ADD COLUMN IF NOT EXISTS open_date DATE;
ALTER TABLE school_census ADD COLUMN IF NOT EXISTS sex_of_school VARCHAR;

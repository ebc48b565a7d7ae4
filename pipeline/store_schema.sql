-- The store's schema: every table but runs is keyed by run_id (pipeline/store.py).
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,            -- running | succeeded | failed | aborted
    config_hash VARCHAR NOT NULL,
    config_json VARCHAR NOT NULL,
    input_checksums VARCHAR NOT NULL,   -- JSON {layer: {path, sha256, bytes}}
    code_version VARCHAR NOT NULL,
    output_dir VARCHAR,
    message VARCHAR
);
CREATE TABLE IF NOT EXISTS layer_counts (
    run_id VARCHAR, layer VARCHAR, rows_read BIGINT, rows_accepted BIGINT,
    rows_merged BIGINT, rows_quarantined BIGINT,
    rows_outside BIGINT  -- accepted rows outside a kommune preview (pipeline/preview.py)
);
CREATE TABLE IF NOT EXISTS quarantine (
    run_id VARCHAR, layer VARCHAR, file VARCHAR, row_number BIGINT, key VARCHAR, reason VARCHAR
);
CREATE TABLE IF NOT EXISTS stage_timings (
    run_id VARCHAR, stage VARCHAR, seconds DOUBLE, peak_rss_mb DOUBLE
);
CREATE TABLE IF NOT EXISTS kommuner (
    run_id VARCHAR, kommunenummer VARCHAR, kommunenavn VARCHAR, fylkesnummer VARCHAR,
    area_km2 DOUBLE, geometry_wkb BLOB
);
CREATE TABLE IF NOT EXISTS fylker (
    run_id VARCHAR, fylkesnummer VARCHAR, fylkesnavn VARCHAR
);
CREATE TABLE IF NOT EXISTS addresses (
    run_id VARCHAR, address_id BIGINT, kommunenummer VARCHAR, kommunenummer_file VARCHAR,
    kommunenavn VARCHAR, fylkesnummer VARCHAR, address_text VARCHAR, households BIGINT,
    x_m DOUBLE, y_m DOUBLE, located_by VARCHAR, row_number BIGINT
);
CREATE TABLE IF NOT EXISTS offers (
    run_id VARCHAR, address_id BIGINT, operator VARCHAR, technology VARCHAR,
    down_mbps DOUBLE, up_mbps DOUBLE, source VARCHAR
);
CREATE TABLE IF NOT EXISTS address_results (
    run_id VARCHAR, address_id BIGINT, kommunenummer VARCHAR, households BIGINT,
    elevation_m DOUBLE, slope_deg DOUBLE, has_terrain BOOLEAN,
    best_technology VARCHAR, best_operator VARCHAR, best_down_mbps DOUBLE, best_up_mbps DOUBLE,
    nkom_lacking_mbps DOUBLE, area_status VARCHAR,
    los_site_id VARCHAR, los_distance_m DOUBLE, has_los BOOLEAN, worst_clearance_ratio DOUBLE,
    obstruction_x_m DOUBLE, obstruction_y_m DOUBLE, sites_in_range BIGINT, los_sites BIGINT,
    los_terrain_ok BOOLEAN, wireless_technology VARCHAR, wireless_down_mbps DOUBLE,
    wireless_up_mbps DOUBLE, fwa_doubtful BOOLEAN,
    cluster_id BIGINT, served_households DOUBLE, distance_to_fibre_m DOUBLE, link_m DOUBLE,
    terrain_factor DOUBLE, route_m DOUBLE,
    route_capped BOOLEAN, cost_nok DOUBLE, cost_option VARCHAR, satellite_cost_nok DOUBLE,
    kommune_cost_factor DOUBLE, fiber_cost_nok DOUBLE, lifetime_cost_nok DOUBLE,
    new_site_id VARCHAR
);
CREATE TABLE IF NOT EXISTS new_sites (
    run_id VARCHAR, site_id VARCHAR, kommunenummer VARCHAR, cluster_id BIGINT,
    x_m DOUBLE, y_m DOUBLE, antenna_height_m DOUBLE, fixed_cost_nok DOUBLE,
    households_reached DOUBLE, households_taking DOUBLE
);
CREATE TABLE IF NOT EXISTS address_classes (
    run_id VARCHAR, address_id BIGINT, target VARCHAR, class VARCHAR,
    wireless_reachable BOOLEAN,
    reason VARCHAR, reason_evidence VARCHAR  -- why below the target (pipeline/reasons.py)
);
CREATE TABLE IF NOT EXISTS targets (
    run_id VARCHAR, target VARCHAR, down_mbps DOUBLE, up_mbps DOUBLE, label_nb VARCHAR
);
CREATE TABLE IF NOT EXISTS gap_summary (
    run_id VARCHAR, level VARCHAR, fylkesnummer VARCHAR, kommunenummer VARCHAR,
    target VARCHAR, addresses BIGINT, households BIGINT, served_households BIGINT,
    underserved_households BIGINT, unserved_households BIGINT,
    funded_households BIGINT, planned_households BIGINT, wireless_reachable_households BIGINT
);
CREATE TABLE IF NOT EXISTS cost_summary (
    run_id VARCHAR, level VARCHAR, fylkesnummer VARCHAR, kommunenummer VARCHAR,
    cost_target VARCHAR, households_below_cost_target BIGINT, cost_nok DOUBLE,
    routes_capped BIGINT, fwa_doubtful_households BIGINT
);
CREATE TABLE IF NOT EXISTS address_changes (
    run_id VARCHAR, previous_run_id VARCHAR, address_id BIGINT, kommunenummer VARCHAR,
    kommunenavn VARCHAR, address_text VARCHAR, x_m DOUBLE, y_m DOUBLE, target VARCHAR,
    change VARCHAR,                     -- pipeline/changes.py: CHANGES
    class_before VARCHAR, class_after VARCHAR, households_before BIGINT, households_after BIGINT,
    cause VARCHAR,                      -- pipeline/changes.py: CAUSES, first by priority
    cause_nb VARCHAR
);
-- Nkom's fixed-broadband table (layers/nkom_address_data.py): NULL for other offer sources
ALTER TABLE offers ADD COLUMN IF NOT EXISTS homes_connected BOOLEAN;
ALTER TABLE offers ADD COLUMN IF NOT EXISTS own_infrastructure BOOLEAN;
-- issue 15, dated sources (pipeline/coverage.py stale_lacking_rows): the date of each offer's source
ALTER TABLE offers ADD COLUMN IF NOT EXISTS source_date DATE;
-- rollout (issue 15): stable project area ids (pipeline/rollout/area_ids.py) and sea crossings
-- (pipeline/rollout/sea.py: sea cable metres on the address's edge and on its whole route)
ALTER TABLE address_results ADD COLUMN IF NOT EXISTS area_id VARCHAR;
ALTER TABLE address_results ADD COLUMN IF NOT EXISTS sea_m DOUBLE;
ALTER TABLE address_results ADD COLUMN IF NOT EXISTS route_sea_m DOUBLE;
ALTER TABLE new_sites ADD COLUMN IF NOT EXISTS area_id VARCHAR;
-- eligibility for broadband support (pipeline/eligibility.py): per address, NULL in older runs
ALTER TABLE address_results ADD COLUMN IF NOT EXISTS eligible BOOLEAN;
ALTER TABLE address_results ADD COLUMN IF NOT EXISTS ineligible_reason VARCHAR;
-- Targets, floor, upload and copper (issue 15): each address's class per target with copper
-- (xDSL) not counted (pipeline/classify.py class_no_copper_<target>, aggregate_copper.py)
CREATE TABLE IF NOT EXISTS address_classes_no_copper (
    run_id VARCHAR, address_id BIGINT, target VARCHAR, class VARCHAR
);
-- premises (pipeline/premises.py): the cadastral unit of each address and who lives there;
-- "households" above is the units of [premises].counted_classes
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS gnr BIGINT;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS bnr BIGINT;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS fnr BIGINT;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS undernummer BIGINT;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS premises_class VARCHAR;  -- dwelling | holiday_home | business | no_premises
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS dwelling_households BIGINT;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS holiday_homes BIGINT;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS businesses BIGINT;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS premises_linked_by VARCHAR;  -- address_id | cadastre | nearest | unlinked | register | not_in_register | addresses
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS premises_costed BOOLEAN;
-- memory per stage (pipeline/timing.py): whether peak_rss_mb is the stage's own peak (else the
-- process peak so far) and the largest finished worker process's peak
ALTER TABLE stage_timings ADD COLUMN IF NOT EXISTS peak_is_stage BOOLEAN;
ALTER TABLE stage_timings ADD COLUMN IF NOT EXISTS workers_peak_rss_mb DOUBLE;
-- the corrections in force when the run started and what became of each (pipeline/corrections.py;
-- the register itself is pipeline/corrections_register.py's file)
CREATE TABLE IF NOT EXISTS correction_uses (
    run_id VARCHAR, correction_id BIGINT, claim VARCHAR, address_id BIGINT,
    kommunenummer VARCHAR, kommunenavn VARCHAR, address_text VARCHAR, households BIGINT,
    operator VARCHAR, technology VARCHAR, down_mbps DOUBLE, up_mbps DOUBLE,
    submitter VARCHAR, submitted_on DATE,
    evidence VARCHAR, source_file VARCHAR, applied BOOLEAN, outcome VARCHAR
);
-- the run's [scenarios] (pipeline/scenarios.py): per level and target the households below it,
-- per level the cost, subsidy need and what a budget reaches; the classes a scenario changes
CREATE TABLE IF NOT EXISTS scenario_summary (
    run_id VARCHAR, scenario VARCHAR, label_nb VARCHAR, level VARCHAR, fylkesnummer VARCHAR,
    kommunenummer VARCHAR, target VARCHAR, households BIGINT, below_target_households BIGINT
);
CREATE TABLE IF NOT EXISTS scenario_costs (
    run_id VARCHAR, scenario VARCHAR, level VARCHAR, fylkesnummer VARCHAR, kommunenummer VARCHAR,
    households_below_cost_target BIGINT, cost_nok DOUBLE, subsidy_need_nok DOUBLE,
    budget_nok DOUBLE, budget_households_reached BIGINT, budget_cost_nok DOUBLE
);
CREATE TABLE IF NOT EXISTS scenario_classes (
    run_id VARCHAR, scenario VARCHAR, address_id BIGINT, target VARCHAR, class VARCHAR
);

"""``gapmap demo``: write the demo region and the config that runs on it.

The config is written next to the data as a worked example of a config for real inputs.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.synthetic.buildings import write_demo_buildings
from pipeline.synthetic.nkom_tables import write_nkom_tables
from pipeline.synthetic.region import build_demo_region
from pipeline.synthetic.writers import config_text

DEMO_CONFIG = """\
# gapmap config for the built-in demo region: a worked example for real inputs.
# Paths are relative to this file. Every key is documented in the README ("Configuration").

[run]
name = "demo"
# runs go to output_dir/runs/<run_id>, published at output_dir/current
output_dir = "{output_dir}"

[inputs]
kommuner = "{kommuner}"              # GeoJSON / Basisdata GeoJSON / GML / GeoPackage
addresses = "{addresses}"            # Kartverket Matrikkelen Adresse CSV (or its zip)
offers = "{offers}"                  # per-address coverage offers CSV
dtm = "{dtm}"                        # terrain GeoTIFF (any projected CRS)
sites = "{sites}"                    # wireless site list CSV
fibre = "{fibre}"                    # existing fibre lines (GeoJSON / GeoPackage)
roads = "{roads}"                    # road lines: fibre routes follow the roads
kommune_cost_factors = "{cost_factors}"  # kommunenummer,cost_factor (trench price multiplier)
planned_areas = "{planned_areas}"    # planned builds (polygons with build_date)
funded_areas = "{funded_areas}"      # areas already granted support
obligation_5g = "{obligation_5g}"    # Nkom's list of buildings under the 5G obligation
# Nkom's own address-level tables (written from the same addresses and offers): with
# nkom_addresses, households per address are Nkom's count (cabins 0); nkom_fixed and nkom_mobile
# are Nkom's per-address offers (they repeat dekning.csv here, which stays required)
# nkom_addresses = "nkom/adr.parquet"
# nkom_fixed = "nkom/fbb.parquet"
# nkom_mobile = "nkom/mob.parquet"

# [nkom]
# count_homes_passed = true          # Nkom: fibre that only passes a home counts (hc = false)
# annet_technology = "xdsl"          # Nkom's tek "annet" read as copper (an assumption)
buildings = "{buildings}"            # Matrikkelen Bygningspunkt: who lives at an address

[premises]                           # README "Premises"; Nkom's practice by default
counted_classes = ["dwelling"]       # households count toward the targets
costed_classes = ["dwelling"]        # ... and are costed; cabins and businesses are reported
link_tolerance_m = 50.0              # a building without a cadastral match: nearest address

[locate]
tolerance_m = 0.0                    # snap addresses this close outside every kommune

# The monthly refresh (scripts/monthly_refresh.sh) would add, for real inputs:
# [fetch]                            # what `gapmap fetch --config` downloads first
# kommuner = ["4204=Kristiansand"]
# folder = "hentet"
# [freshness]                        # refuse (exit 79) last month's file again or a stale one
# monthly_inputs = ["offers", "addresses"]
# max_age_days = 45

[classify]
floor_down_mbps = 30.0               # below the floor an address is unserved (support class a)
floor_up_mbps = 5.0                  # an assumption, no source; 0 = judge the floor on download
count_mobile = false                 # Nkom: mobile does not count as fixed coverage
count_satellite = false              # Nkom: satellite excluded
count_copper = true                  # xDSL counts; the gap table also gives it switched off
unknown_upload = "fails"             # a square's unstated upload meets no upload requirement
map_target = "no2025"

[wireless]
# line of sight from these sites' antennas (mast height) to a CPE on each address
technologies = ["fwa", "mobile_4g", "mobile_5g"]
cpe_height_m = 5.0
k_factor = 1.3333                    # effective earth radius factor
fresnel_clearance = 0.6              # share of the first Fresnel zone that must be clear
count_as_served = false              # predicted wireless reach is reported, not counted

[operators]
# names that mean one operator (case and spaces never matter): an FWA claim is judged against
# the claiming operator's own FWA sites only (README: "The FWA challenge list and dated sources")
aliases = {{ "Luftlinje AS" = "Luftlinje" }}

[cost]
target = "gigabit2030"               # households below this target are costed
choose_by = "capex"                  # or "lifetime": present value over [cost.lifetime] years
commercially_viable_nok_per_household = 30000.0   # subsidy need = cost - households × this

[cost.fibre]                         # NOK excl. VAT; sources in the README's cost table
cluster_distance_m = 500.0           # project areas: single linkage at this distance
route_factor = 1.3                   # route m per straight m (where no road route is used)
trench_nok_per_m = 450.0
cable_nok_per_m = 50.0
drop_fixed_nok = 8000.0
drop_nok_per_m = 150.0
drop_length_m = 30.0
ont_nok = 2500.0
install_nok = 5000.0
splitter_nok = 5000.0                # one 1:32 splitter, shared by the cluster's households
splitter_ports = 32
max_route_m = 20000.0

[cost.roads]
min_edge_m = 250.0                   # shorter tree edges go straight (across the property)
max_snap_m = 500.0                   # farther from a road: the straight line × route_factor

[cost.wireless]
cpe_nok = 6500.0                     # per household, from an existing or a new site in sight

[cost.new_site]
enabled = true                       # a new mast per project area, shared by whom it reaches
mast_nok = 2500000.0
backhaul_nok = 400000.0              # microwave link (a fibre backhaul when cheaper)
antenna_height_m = 30.0
down_mbps = 1000.0
up_mbps = 200.0
max_range_m = 3000.0

[cost.satellite]
meets_target = false                 # policy: LEO satellite does not meet the targets

[cost.lifetime]
years = 30.0
discount_rate = 0.04                 # real; Finansdepartementet's 4 %

[eligibility]                        # support scheme rules (README: "Eligibility for support")
scheme_down_mbps = 30.0              # the scheme's 30 Mbit/s class (default 100: lacking 100)
plan_horizon_years = 3.0             # a planned build counts when due within 3 years
reference_date = "2026-12-01"        # the horizon runs from here ("" = the day of the run)
fibre_passes_within_m = 30.0         # fibre lines this close make an address upgradable

# the four default targets; wording_nb and source (README "Targets, floor, upload and copper")
# are the defaults' when a target keeps a default's name and speeds. The 2025 goal is worded
# on download alone: no up_mbps.
[targets.no2025]
down_mbps = 100
label_nb = "100 Mbit/s (mål 2025)"

[targets.gigabit2030]
down_mbps = 1000
label_nb = "1 Gbit/s (mål 2030)"

[targets.eu_vhcn]
down_mbps = 1000
up_mbps = 200
label_nb = "1000/200 Mbit/s (EU VHCN)"

[targets.subsidy30]
down_mbps = 30
label_nb = "30 Mbit/s (støtteklasse a)"
"""


def prepare_demo(out: Path, seed: int = 2025) -> Path:
    """Build the demo region under ``out/data`` and write ``out/data/gapmap.toml``."""
    data_dir = out / "data"
    region = build_demo_region(data_dir, seed=seed)
    write_nkom_tables(data_dir / "nkom", region.addresses, region.offers, seed)
    names = {
        "kommuner": region.kommuner,
        "addresses": region.addresses,
        "offers": region.offers,
        "dtm": region.dtm,
        "sites": region.sites,
        "fibre": region.fibre,
        "roads": region.roads,
        "cost_factors": region.cost_factors,
        "planned_areas": region.planned_areas,
        "funded_areas": region.funded_areas,
        "obligation_5g": region.obligation_5g,
        "buildings": write_demo_buildings(region.addresses, data_dir / "bygningspunkt.gpkg", seed),
    }
    text = config_text(DEMO_CONFIG, data_dir, "..", names)
    config_path = data_dir / "gapmap.toml"
    config_path.write_text(text, encoding="utf-8")
    return config_path

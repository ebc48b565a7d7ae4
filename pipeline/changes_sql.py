"""The SQL of the changes stage (:mod:`pipeline.changes`): the per-address diff of two runs.

:data:`ADDRESS_CHANGES_SQL` inserts one ``address_changes`` row per changed (address, target)
with its change, cause and ``cause_nb`` (the vocabulary and the priority are documented in
:mod:`pipeline.changes`). It first finds the changed pairs cheaply (the two runs' classes
joined, and their households), then reads addresses, offers and results only for those.
Parameters: ``$run_id``, ``$previous``, ``$counted`` (technologies that can decide a class),
``$claim_codes`` / ``$claim_nb`` (the corrections' claims and their words),
``$lacking_counts``, ``$wireless_counts`` (booleans), ``$config_nb``, ``$code_nb`` (evidence
texts, empty when nothing changed) and ``$technology_codes`` / ``$technology_nb`` (labels).
:data:`MACROS_SQL` defines the macros it uses (Norwegian numbers and speeds, class rank).
"""

from __future__ import annotations

MACROS_SQL = """
CREATE OR REPLACE TEMP MACRO gapmap_number_nb(x) AS CASE
    WHEN x IS NULL THEN '–'
    WHEN x = trunc(x) THEN replace(format('{:,}', x::BIGINT), ',', ' ')
    ELSE replace(replace(format('{:,.1f}', x::DOUBLE), ',', ' '), '.', ',') END;
CREATE OR REPLACE TEMP MACRO gapmap_speed_nb(down, up) AS
    gapmap_number_nb(down) || CASE WHEN up IS NULL THEN '' ELSE '/' || gapmap_number_nb(up) END
    || ' Mbit/s';
CREATE OR REPLACE TEMP MACRO gapmap_class_rank(c) AS
    CASE c WHEN 'served' THEN 2 WHEN 'underserved' THEN 1 WHEN 'unserved' THEN 0 END;
"""

_SIDE = """
    SELECT a.address_id, a.kommunenummer, a.kommunenavn, a.address_text, a.households,
           a.x_m, a.y_m, c.target, c.class
    FROM addresses a
    JOIN address_classes c ON c.run_id = a.run_id AND c.address_id = a.address_id
    WHERE a.run_id = {run} AND c.run_id = {run}
      AND a.address_id IN (SELECT address_id FROM key_ids)
      AND c.address_id IN (SELECT address_id FROM key_ids)
"""
_OFFERS = """
    SELECT o.address_id, coalesce(o.operator, '') AS operator, o.technology,
           max(o.down_mbps) AS down_mbps, max(o.up_mbps) AS up_mbps
    FROM ids JOIN offers o ON o.address_id = ids.address_id
    WHERE o.run_id = {run} AND list_contains($counted, o.technology)
    GROUP BY ALL
"""
_WIRELESS_DIFFERS = """(n.los_site_id IS DISTINCT FROM o.los_site_id
    OR n.wireless_down_mbps IS DISTINCT FROM o.wireless_down_mbps
    OR n.wireless_up_mbps IS DISTINCT FROM o.wireless_up_mbps)"""
_WIRELESS_NB = """CASE WHEN {side}.wireless_down_mbps IS NULL THEN 'ingen'
    ELSE coalesce({side}.los_site_id, 'ukjent sted') || ' ('
         || gapmap_speed_nb({side}.wireless_down_mbps, {side}.wireless_up_mbps) || ')' END"""
# the applied corrections of each address of the changed ones, as a list of ids and a text
_CORRECTIONS = """
    SELECT u.address_id, list(u.correction_id ORDER BY u.correction_id) AS ids,
           string_agg('nr. ' || u.correction_id || ': ' || coalesce(
               $claim_nb[list_position($claim_codes, u.claim)], u.claim)
               || coalesce(', ' || u.operator, '') || ' (' || u.submitter || ', '
               || strftime(u.submitted_on, '%d.%m.%Y') || ')', '; '
               ORDER BY u.correction_id) AS texts
    FROM correction_uses u
    WHERE u.run_id = {run} AND u.applied AND u.address_id IN (SELECT address_id FROM key_ids)
    GROUP BY u.address_id
"""
_TECH = "coalesce($technology_nb[list_position($technology_codes, d.technology)], d.technology)"

ADDRESS_CHANGES_SQL = f"""
INSERT INTO address_changes BY NAME
WITH class_diff AS MATERIALIZED (
    SELECT coalesce(n.address_id, o.address_id) AS address_id,
           coalesce(n.target, o.target) AS target
    FROM (SELECT address_id, target, class FROM address_classes WHERE run_id = $run_id) n
    FULL JOIN (SELECT address_id, target, class FROM address_classes WHERE run_id = $previous) o
      ON n.address_id = o.address_id AND n.target = o.target
    WHERE n.class IS DISTINCT FROM o.class
),
household_diff AS MATERIALIZED (
    SELECT coalesce(n.address_id, o.address_id) AS address_id
    FROM (SELECT address_id, households FROM addresses WHERE run_id = $run_id) n
    FULL JOIN (SELECT address_id, households FROM addresses WHERE run_id = $previous) o
      ON n.address_id = o.address_id
    WHERE n.households IS DISTINCT FROM o.households
),
keys AS MATERIALIZED (
    SELECT address_id, target FROM class_diff
    UNION
    SELECT h.address_id, t.target
    FROM household_diff h CROSS JOIN (SELECT target FROM targets WHERE run_id = $run_id) t
),
key_ids AS MATERIALIZED (SELECT DISTINCT address_id FROM keys),
cur AS ({_SIDE.format(run="$run_id")}),
prev AS ({_SIDE.format(run="$previous")}),
pairs AS (
    SELECT k.address_id, k.target,
           coalesce(cur.kommunenummer, prev.kommunenummer) AS kommunenummer,
           coalesce(cur.kommunenavn, prev.kommunenavn) AS kommunenavn,
           coalesce(cur.address_text, prev.address_text) AS address_text,
           coalesce(cur.x_m, prev.x_m) AS x_m, coalesce(cur.y_m, prev.y_m) AS y_m,
           prev.class AS class_before, cur.class AS class_after,
           prev.households AS households_before, cur.households AS households_after,
           CASE WHEN prev.address_id IS NULL THEN 'new_address'
                WHEN cur.address_id IS NULL THEN 'address_gone'
                WHEN prev.class = 'served' AND cur.class <> 'served' THEN 'newly_below_target'
                WHEN prev.class <> 'served' AND cur.class = 'served' THEN 'newly_served'
                WHEN prev.class <> cur.class THEN 'class_changed'
                WHEN prev.households <> cur.households THEN 'households_changed'
           END AS change,
           sign(gapmap_class_rank(cur.class) - gapmap_class_rank(prev.class)) AS direction
    FROM keys k
    LEFT JOIN cur ON cur.address_id = k.address_id AND cur.target = k.target
    LEFT JOIN prev ON prev.address_id = k.address_id AND prev.target = k.target
),
changed AS MATERIALIZED (SELECT * FROM pairs WHERE change IS NOT NULL),
ids AS MATERIALIZED (SELECT DISTINCT address_id FROM changed WHERE direction <> 0),
offers_now AS ({_OFFERS.format(run="$run_id")}),
offers_before AS ({_OFFERS.format(run="$previous")}),
offer_diff AS (
    SELECT coalesce(n.address_id, o.address_id) AS address_id,
           coalesce(n.operator, o.operator) AS operator,
           coalesce(n.technology, o.technology) AS technology,
           o.down_mbps AS down_before, o.up_mbps AS up_before,
           n.down_mbps AS down_after, n.up_mbps AS up_after,
           CASE WHEN o.address_id IS NULL THEN 'offer_added'
                WHEN n.address_id IS NULL THEN 'offer_removed'
                ELSE 'offer_speed_changed' END AS cause,
           CASE WHEN o.address_id IS NULL THEN 1 WHEN n.address_id IS NULL THEN -1
                WHEN n.down_mbps <> o.down_mbps THEN sign(n.down_mbps - o.down_mbps)
                ELSE sign(coalesce(n.up_mbps, 0) - coalesce(o.up_mbps, 0)) END AS direction
    FROM offers_now n FULL JOIN offers_before o
      ON n.address_id = o.address_id AND n.operator = o.operator
     AND n.technology = o.technology
    WHERE o.address_id IS NULL OR n.address_id IS NULL OR n.down_mbps <> o.down_mbps
       OR n.up_mbps IS DISTINCT FROM o.up_mbps
),
offer_cause AS (
    SELECT c.address_id, c.target, d.cause,
           CASE d.cause
             WHEN 'offer_added' THEN 'Nytt tilbud: ' || d.operator || ', ' || {_TECH} || ' '
                  || gapmap_speed_nb(d.down_after, d.up_after)
             WHEN 'offer_removed' THEN 'Tilbud borte: ' || d.operator || ', ' || {_TECH} || ' '
                  || gapmap_speed_nb(d.down_before, d.up_before)
             ELSE 'Endret hastighet: ' || d.operator || ', ' || {_TECH} || ' fra '
                  || gapmap_speed_nb(d.down_before, d.up_before) || ' til '
                  || gapmap_speed_nb(d.down_after, d.up_after) END AS cause_nb
    FROM changed c JOIN offer_diff d ON d.address_id = c.address_id AND d.direction = c.direction
    QUALIFY row_number() OVER (
        PARTITION BY c.address_id, c.target
        ORDER BY greatest(coalesce(d.down_after, 0), coalesce(d.down_before, 0)) DESC,
                 d.cause, d.operator, d.technology) = 1
),
results_diff AS (
    SELECT n.address_id,
           n.nkom_lacking_mbps IS DISTINCT FROM o.nkom_lacking_mbps AS lacking_differs,
           o.nkom_lacking_mbps AS lacking_before, n.nkom_lacking_mbps AS lacking_after,
           {_WIRELESS_DIFFERS} AS wireless_differs,
           {_WIRELESS_NB.format(side="o")} AS wireless_before,
           {_WIRELESS_NB.format(side="n")} AS wireless_after
    FROM address_results n JOIN address_results o ON o.address_id = n.address_id
    WHERE n.run_id = $run_id AND o.run_id = $previous
      AND n.address_id IN (SELECT address_id FROM ids)
),
corrections_now AS ({_CORRECTIONS.format(run="$run_id")}),
corrections_before AS ({_CORRECTIONS.format(run="$previous")}),
correction_cause AS (
    SELECT coalesce(n.address_id, o.address_id) AS address_id,
           CASE WHEN n.address_id IS NULL THEN 'correction_withdrawn'
                ELSE 'correction_applied' END AS cause,
           CASE WHEN n.address_id IS NULL THEN 'Kommunens korreksjon brukes ikke lenger: '
                     || o.texts
                ELSE 'Kommunens korreksjon ' || n.texts END AS cause_nb
    FROM corrections_now n FULL JOIN corrections_before o ON o.address_id = n.address_id
    WHERE n.ids IS DISTINCT FROM o.ids
),
caused AS (
    SELECT c.*, coalesce(cc.cause_nb, oc.cause_nb) AS offer_nb,
      CASE WHEN cc.cause IS NOT NULL THEN cc.cause
           WHEN c.change = 'new_address' THEN 'address_added'
           WHEN c.change = 'address_gone' THEN 'address_removed'
           WHEN c.change = 'households_changed' THEN 'premises_changed'
           WHEN oc.cause IS NOT NULL THEN oc.cause
           WHEN $lacking_counts AND r.lacking_differs THEN 'lacking_list_changed'
           WHEN $wireless_counts AND r.wireless_differs THEN 'wireless_reach_changed'
           WHEN $config_nb <> '' THEN 'config_changed'
           WHEN $code_nb <> '' THEN 'code_changed'
           ELSE 'unexplained' END AS cause,
      r.lacking_before, r.lacking_after, r.wireless_before, r.wireless_after
    FROM changed c
    LEFT JOIN offer_cause oc ON oc.address_id = c.address_id AND oc.target = c.target
    LEFT JOIN correction_cause cc ON cc.address_id = c.address_id
    LEFT JOIN results_diff r ON r.address_id = c.address_id
)
SELECT $run_id AS run_id, $previous AS previous_run_id, address_id, kommunenummer,
       kommunenavn, address_text, x_m, y_m, target, change, class_before, class_after,
       households_before, households_after, cause,
       CASE cause
         WHEN 'address_added' THEN 'Ny adresse i adresseregisteret'
         WHEN 'address_removed' THEN 'Adressen er ikke lenger i adresseregisteret'
         WHEN 'premises_changed' THEN 'Antall husstander endret fra '
              || gapmap_number_nb(households_before) || ' til '
              || gapmap_number_nb(households_after)
         WHEN 'lacking_list_changed' THEN CASE
              WHEN lacking_before IS NULL THEN 'Ført opp på Nkoms liste over adresser som mangler '
                   || gapmap_number_nb(lacking_after) || ' Mbit/s'
              WHEN lacking_after IS NULL THEN 'Fjernet fra Nkoms liste over adresser som mangler '
                   || gapmap_number_nb(lacking_before) || ' Mbit/s'
              ELSE 'Nkoms liste: mangler ' || gapmap_number_nb(lacking_before)
                   || ' Mbit/s endret til mangler ' || gapmap_number_nb(lacking_after)
                   || ' Mbit/s' END
         WHEN 'wireless_reach_changed' THEN 'Trådløs rekkevidde endret fra ' || wireless_before
              || ' til ' || wireless_after
         WHEN 'config_changed' THEN 'Innstilling endret: ' || $config_nb
         WHEN 'code_changed' THEN 'Ny programversjon: ' || $code_nb
         WHEN 'unexplained' THEN 'Uforklart: ingen endring i tilbud, lister, husstander eller'
              || ' innstillinger funnet'
         ELSE offer_nb END AS cause_nb
FROM caused
"""

"""The Norwegian names of every published column: header with unit, kind and a definition.

One dictionary for the gap table (one row per kommune, fylke and the nation), one for the
per-kommune address downloads and one for the reasons for a gap (``tables/gap_reasons.csv``).
The per-target families (``served_households_<target>``,
``below_target_share_<target>``, ``class_<target>``…) and the costliest-share families
(``last_<p>pct_…``) are named from the run's targets and the share in the name. A column that
is in neither dictionary is an error (:class:`UnknownColumnError`), never an English header
passed through: a new column needs its Norwegian name here first.

``kind`` decides how a spreadsheet shows the value (:mod:`pipeline.products.sheets_nb`):
``text`` and ``code`` (numbers kept as text: kommunenummer), ``id`` (whole number without
separators), ``count`` (whole number), ``households`` (whole households shown, a fraction is
kept in the value), ``nok`` (whole kroner), ``share`` (a 0–1 share shown as per cent), ``mbps``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

Kind = Literal["text", "code", "id", "count", "households", "nok", "share", "mbps"]
Table = Literal["gap", "address", "reasons"]

# whole households (issue 15, rollout): the share of the households rounded up, at least one
ROUNDED_NOTE: Final = (
    " Hele husstander: andelen av husstandene avrundet opp (1 % av 245 er 3 husstander)."
)


class Target(Protocol):
    """What a header needs of a target: its config name and Norwegian label (a
    :class:`pipeline.config.Target` or a :class:`maps.style.TargetSpec`)."""

    @property
    def name(self) -> str: ...

    @property
    def label_nb(self) -> str: ...


class UnknownColumnError(ValueError):
    """A published column without a Norwegian header and definition."""


@dataclass(frozen=True)
class ColumnNb:
    """One column as a reader sees it."""

    name: str  # the machine name (CSV header)
    header: str  # Norwegian header with unit
    kind: Kind
    definition: str  # one sentence, bokmål


GAP_FIXED: Final[dict[str, tuple[str, Kind, str]]] = {
    "level": ("Nivå", "text", "Kommune, Fylke eller Nasjonalt: hva raden summerer."),
    "fylkesnummer": ("Fylkesnr.", "code", "Fylkesnummeret (tomt på den nasjonale raden)."),
    "fylkesnavn": ("Fylke", "text", "Navnet på fylket raden hører til."),
    "kommunenummer": ("Kommunenr.", "code", "Kommunenummeret (tomt på fylkes- og landsrader)."),
    "kommunenavn": ("Navn", "text", "Kommunens navn; fylkets navn på en fylkesrad, «Totalt»."),
    "addresses": ("Adresser (antall)", "count", "Antall adresser med bolig i området."),
    "households": ("Husstander (antall)", "count", "Antall husstander (boliger) i området."),
    "households_below_cost_target": (
        "Husstander kostnadsberegnet (antall)",
        "count",
        "Husstander under kostnadsmålet som har fått en beregnet utbyggingskostnad.",
    ),
    "cost_nok": (
        "Kostnad (kr)",
        "nok",
        "Sum investering for å gi de kostnadsberegnede husstandene tilbud som når "
        "kostnadsmålet, med billigste løsning per adresse (hele kroner vist).",
    ),
    "routes_capped": (
        "Adresser med avkortet fiberrute (antall)",
        "count",
        "Adresser der fiberruten ble lengre enn største rutelengde og kostnaden er avkortet.",
    ),
    "fwa_doubtful_households": (
        "Husstander med tvilsomt FWA-tilbud (antall)",
        "count",
        "Husstander med meldt fast trådløst tilbud der terrenget stenger sikten til masten.",
    ),
    "cost_per_household_nok": (
        "Kostnad per husstand (kr)",
        "nok",
        "Kostnad delt på antall kostnadsberegnede husstander.",
    ),
    "median_cost_per_household_nok": (
        "Median kostnad per husstand (kr)",
        "nok",
        "Kostnaden per husstand som halvparten av de kostnadsberegnede husstandene ligger under.",
    ),
    "subsidy_need_nok": (
        "Tilskuddsbehov (kr)",
        "nok",
        "Sum over prosjektområdene av kostnad minus det som er kommersielt lønnsomt "
        "(husstander × lønnsom kostnad per husstand), aldri under null per område; bare "
        "adresser som kan få bredbåndsstøtte.",
    ),
    # eligibility for broadband support (pipeline/aggregate_eligibility.py); among the
    # households below the cost target
    "eligible_households": (
        "Husstander som kan få støtte (antall)",
        "households",
        "Husstander under kostnadsmålet som støtteordningen kan gi støtte til: uten nett med "
        "ordningens hastighet, utenfor planlagte og støttede områder, uten fiber- eller "
        "kabel-TV-nett og ikke på listen over 5G-utbyggingsforpliktelsen.",
    ),
    "ineligible_has_network_households": (
        "Ikke støtte: har nett med ordningens hastighet (husstander)",
        "households",
        "Husstander under kostnadsmålet som alt har et tilbud med ordningens hastighet.",
    ),
    "ineligible_planned_households": (
        "Ikke støtte: planlagt utbygging (husstander)",
        "households",
        "Husstander under kostnadsmålet i et område med utbygging planlagt innen horisonten.",
    ),
    "ineligible_funded_households": (
        "Ikke støtte: alt tildelt støtte (husstander)",
        "households",
        "Husstander under kostnadsmålet i et område som alt har fått bredbåndsstøtte.",
    ),
    "ineligible_upgradable_households": (
        "Ikke støtte: fiber/kabel-TV kan oppgraderes (husstander)",
        "households",
        "Husstander under kostnadsmålet med fiber- eller kabel-TV-nett på adressen.",
    ),
    "ineligible_obligation_5g_households": (
        "Ikke støtte: 5G-utbyggingsforpliktelse (husstander)",
        "households",
        "Husstander under kostnadsmålet i bygg på Nkoms liste over 5G-utbyggingsforpliktelsen.",
    ),
    "eligible_costed_households": (
        "Husstander som kan få støtte, kostnadsberegnet (antall)",
        "households",
        "Kostnadsberegnede husstander som kan få bredbåndsstøtte.",
    ),
    "eligible_cost_nok": (
        "Kostnad, husstander som kan få støtte (kr)",
        "nok",
        "Sum av kostnaden for de kostnadsberegnede husstandene som kan få støtte.",
    ),
    "eligible_cost_per_household_nok": (
        "Kostnad per husstand som kan få støtte (kr)",
        "nok",
        "Kostnad for husstandene som kan få støtte delt på antallet.",
    ),
    # premises (pipeline/aggregate_premises.py)
    "holiday_homes": (
        "Fritidsboliger (antall)",
        "count",
        "Fritidsboliger i området (bygningstype 16x og 17x, eller Nkoms adresseregister).",
    ),
    "businesses": (
        "Næringsbygg (antall)",
        "count",
        "Bygninger for virksomheter i området (bygningstype 211–899 utenom garasjer, "
        "landbruks- og energibygg).",
    ),
    # corrections (pipeline/corrections.py)
    "corrections_applied": (
        "Korreksjoner brukt (antall)",
        "count",
        "Korreksjoner fra kommunen som endret data for adresser her i denne kjøringen.",
    ),
    "premises_basis": (
        "Grunnlag for husstander",
        "text",
        "Hvor husstandene er talt fra; «husstander = adresser» betyr at hver adresse er "
        "talt som husstand uten bygningsdata.",
    ),
}

ADDRESS_FIXED: Final[dict[str, tuple[str, Kind, str]]] = {
    "address_id": ("Adresse-ID", "id", "Matrikkelens adresse-ID (adresseId)."),
    "kommunenummer": ("Kommunenr.", "code", "Kommunenummeret adressen ligger i."),
    "kommunenavn": ("Kommune", "text", "Kommunens navn."),
    "address_text": ("Adresse", "text", "Adressetekst fra Matrikkelen."),
    "households": ("Husstander (antall)", "count", "Antall husstander (boliger) på adressen."),
    "best_technology": ("Beste tilbud: teknologi", "text", "Teknologien i det raskeste tilbudet."),
    "best_operator": ("Beste tilbud: tilbyder", "text", "Tilbyderen av det raskeste tilbudet."),
    "best_down_mbps": ("Beste tilbud: ned (Mbit/s)", "mbps", "Nedlastingshastighet i tilbudet."),
    "best_up_mbps": ("Beste tilbud: opp (Mbit/s)", "mbps", "Opplastingshastighet i tilbudet."),
    "cost_option": (
        "Kostnadsvalg",
        "text",
        "Billigste løsning som når kostnadsmålet: fiber, fast trådløst, ny mast eller satellitt.",
    ),
    "cost_nok": (
        "Kostnad (kr)",
        "nok",
        "Investering for den valgte løsningen på adressen (hele kroner vist); tom når adressen "
        "alt når kostnadsmålet.",
    ),
}

REASONS_FIXED: Final[dict[str, tuple[str, Kind, str]]] = {
    "level": GAP_FIXED["level"],
    "fylkesnummer": GAP_FIXED["fylkesnummer"],
    "kommunenummer": GAP_FIXED["kommunenummer"],
    "kommunenavn": GAP_FIXED["kommunenavn"],
    "target": ("Mål", "text", "Målet husstandene er under (hastighet og år)."),
    "reason": (
        "Årsakskode",
        "text",
        "Kode for årsaken (README, «Reasons for a gap»); én årsak per husstand, den første som "
        "gjelder i prioritert rekkefølge.",
    ),
    "reason_nb": ("Årsak", "text", "Hvorfor husstandene er under målet."),
    "households": (
        "Husstander under mål (antall)",
        "count",
        "Husstander under målet med denne årsaken.",
    ),
    "addresses": (
        "Adresser under mål (antall)",
        "count",
        "Adresser under målet med denne årsaken.",
    ),
}

CLASS_DEFINITIONS: Final = "dekket, underdekket (under målet) eller udekket (under grunnkravet)"

# families: pattern of the name after the target → (header, kind, definition); {t} is the label
GAP_PER_TARGET: Final[dict[str, tuple[str, Kind, str]]] = {
    "served_households": (
        "Husstander dekket ({t})",
        "count",
        "Husstander med et tilbud som oppfyller målet {t}.",
    ),
    "underserved_households": (
        "Husstander underdekket ({t})",
        "count",
        "Husstander med bredbånd over grunnkravet, men under målet {t}.",
    ),
    "unserved_households": (
        "Husstander udekket ({t})",
        "count",
        "Husstander under grunnkravet eller uten tilbud (målet {t}).",
    ),
    "funded_households": (
        "Husstander under mål i område med tilskudd ({t})",
        "count",
        "Husstander under målet {t} i et område som alt har fått tilskudd til utbygging.",
    ),
    "planned_households": (
        "Husstander under mål i planlagt område ({t})",
        "count",
        "Husstander under målet {t} i et område med planlagt utbygging.",
    ),
    "wireless_reachable_households": (
        "Husstander under mål nåbare trådløst ({t})",
        "count",
        "Husstander under målet {t} som en mast med fri sikt kan gi hastigheter som når målet.",
    ),
    # premises (pipeline/aggregate_premises.py)
    "holiday_homes_below": (
        "Fritidsboliger under mål ({t})",
        "count",
        "Fritidsboliger på adresser uten tilbud som oppfyller målet {t}.",
    ),
    "businesses_below": (
        "Næringsbygg under mål ({t})",
        "count",
        "Næringsbygg på adresser uten tilbud som oppfyller målet {t}.",
    ),
    "below_target_share": (
        "Andel under mål ({t}) (%)",
        "share",
        "Underdekkede og udekkede husstander delt på alle husstander (målet {t}).",
    ),
    # corrections (pipeline/corrections.py)
    "below_target_households_by_corrections": (
        "Endring under mål fra korreksjoner ({t})",
        "count",
        "Husstander under målet {t} med kommunens korreksjoner minus uten dem: positivt "
        "betyr at korreksjonene la til husstander under målet, negativt at de tok bort.",
    ),
    # Targets, floor, upload and copper (issue 15): copper switched off (aggregate_copper.py)
    "below_target_households_no_copper": (
        "Husstander under mål uten kobber ({t})",
        "count",
        "Husstander under målet {t} om kobbernettet (xDSL) ikke telles: tallet når "
        "kobbernettet er slått av.",
    ),
}

ADDRESS_PER_TARGET: Final[dict[str, tuple[str, Kind, str]]] = {
    "class": ("Klasse ({t})", "text", "Adressens klasse for målet {t}: " + CLASS_DEFINITIONS + "."),
    "reason": ("Årsakskode ({t})", "text", "Koden for hvorfor adressen er under målet {t}."),
    "reason_evidence": ("Årsak ({t})", "text", "Hvorfor adressen er under målet {t}, med tall."),
}

LAST_SHARE: Final = re.compile(
    r"^last_(\d+(?:_\d+)?)pct_(households|cost_nok|cost_per_household_nok)$"
)
LAST_SHARE_PARTS: Final[dict[str, tuple[str, Kind, str]]] = {
    "households": (
        "Husstander, dyreste {p} % (antall)",
        "households",
        "De {p} % av de kostnadsberegnede husstandene som er dyrest å bygge ut." + ROUNDED_NOTE,
    ),
    "cost_nok": (
        "Kostnad, dyreste {p} % (kr)",
        "nok",
        "Hva de {p} % dyreste kostnadsberegnede husstandene koster til sammen.",
    ),
    "cost_per_household_nok": (
        "Kostnad per husstand, dyreste {p} % (kr)",
        "nok",
        "Kostnaden for de {p} % dyreste delt på antall husstander i den andelen.",
    ),
}


def target_label(target: Target) -> str:
    """The target's label for a header, without nested brackets:
    ``"100/10 Mbit/s (mål 2025)"`` → ``"100/10 Mbit/s, mål 2025"``."""
    return target.label_nb.replace(" (", ", ").replace("(", "").replace(")", "")


def describe(column: str, targets: Sequence[Target], table: Table = "gap") -> ColumnNb:
    """The Norwegian header, kind and definition of ``column`` of the gap table (``"gap"``),
    of an address download (``"address"``) or of the reasons' counts (``"reasons"``);
    :class:`UnknownColumnError` for any other."""
    fixed, per_target = {
        "gap": (GAP_FIXED, GAP_PER_TARGET),
        "address": (ADDRESS_FIXED, ADDRESS_PER_TARGET),
        "reasons": (REASONS_FIXED, {}),
    }[table]
    if column in fixed:
        header, kind, definition = fixed[column]
        return ColumnNb(column, header, kind, definition)
    for target in targets:
        stem = column.removesuffix(f"_{target.name}")
        if stem != column and stem in per_target:
            header, kind, definition = per_target[stem]
            label = target_label(target)
            return ColumnNb(column, header.format(t=label), kind, definition.format(t=label))
    match = LAST_SHARE.match(column) if table == "gap" else None
    if match:
        share = match.group(1).replace("_", ",")
        header, kind, definition = LAST_SHARE_PARTS[match.group(2)]
        return ColumnNb(column, header.format(p=share), kind, definition.format(p=share))
    names = sorted([*fixed, *(f"{stem}_<mål>" for stem in per_target)])
    msg = (
        f"column {column!r} of the {table} table has no Norwegian header in"
        f" pipeline/products/columns_nb.py; expected one of {names}"
        f" (targets {[t.name for t in targets]})"
    )
    raise UnknownColumnError(msg)


def describe_all(
    columns: Sequence[str], targets: Sequence[Target], table: Table = "gap"
) -> list[ColumnNb]:
    """:func:`describe` for every column, in order; headers are unique (checked)."""
    described = [describe(str(c), targets, table) for c in columns]
    headers = [c.header for c in described]
    twice = sorted({h for h in headers if headers.count(h) > 1})
    if twice:
        msg = f"{table} table: Norwegian headers {twice} repeat; expected one header per column"
        raise UnknownColumnError(msg)
    return described

"""The ``[cost]`` schema: every sub-table is a default of CostSettings, renamed keys are named."""

from __future__ import annotations

import dataclasses

from pipeline.config_cost import CostSettings, FibreSettings, LifetimeSettings


def test_every_sub_table_has_its_own_default_instance() -> None:
    settings = CostSettings()
    nested = [
        f.name
        for f in dataclasses.fields(CostSettings)
        if dataclasses.is_dataclass(getattr(settings, f.name))
    ]
    assert nested == [
        "fibre",
        "roads",
        "terrain",
        "wireless",
        "new_site",
        "satellite",
        "lifetime",
        "sea",
    ]
    assert isinstance(settings.fibre, FibreSettings)


def test_former_keys_name_fields_that_exist() -> None:
    for field in dataclasses.fields(CostSettings):
        cls = type(getattr(CostSettings(), field.name))
        if dataclasses.is_dataclass(cls):
            names = {f.name for f in dataclasses.fields(cls)}
            assert set(getattr(cls, "FORMER_KEYS", {})) <= names, cls.__name__
    assert LifetimeSettings.FORMER_KEYS == {"years": "lifetime_years"}

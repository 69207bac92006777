"""The one loader of sourced-record TOML files (conversions.records)."""

import pytest

import linkage.industry.assumptions as a
from conversions.carbon_market import ets_fact
from conversions.errors import DataFileError
from conversions.ets_side import ets_side_records
from conversions.records import (
    LAW_STATUSES,
    STATUS_MEANINGS,
    STATUSES,
    SourcedRecord,
    load_records,
)
from linkage.industry.backcast import load_backcast_assumptions

GOOD = ('[[record]]\nkey = "a.b"\nvalue = 2.5\nunit = "t_CO2e / year"\nfrom_year = 2024\n'
        'to_year = 2026\nstatus = "secondary"\nsource = "a release"\n')


def _write(tmp_path, text, name="r.toml", encoding="utf-8"):
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    return f


def test_vocabulary_is_five_statuses_law_is_the_first_four():
    assert STATUSES == ("official", "secondary", "provisional", "scenario", "assumption")
    assert LAW_STATUSES == ("official", "secondary", "provisional", "scenario")
    assert all(STATUS_MEANINGS[s].strip() for s in STATUSES)


def test_a_good_record_is_read_as_written(tmp_path):
    f = _write(tmp_path, GOOD)
    assert load_records(f, optional=("from_year", "to_year")) == [SourcedRecord(
        key="a.b", value=2.5, unit="t_CO2e / year", from_year=2024, to_year=2026,
        status="secondary", source="a release", file=str(f))]


@pytest.mark.parametrize(("text", "match"), [
    (GOOD.replace("secondary", "guess"), "status must be one of .*got 'guess'"),
    (GOOD.replace('"a release"', '"  "'), "source must be a non-empty text"),
    (GOOD.replace("2.5", "nan"), "finite number"),
    (GOOD.replace("2.5", "true"), "finite number"),
    (GOOD.replace("t_CO2e / year", "t_CO2x"), "bad unit 't_CO2x'"),
    (GOOD.replace("to_year = 2026", "to_year = 2020"), "from <= to"),
    (GOOD.replace("source =", "sourse ="),
     r"unknown field\(s\) \['sourse'\] / missing field\(s\) \['source'\]; did you mean 'source'"),
    ("[[record]\n", "not valid TOML.*line 1"),
])
def test_a_bad_record_names_file_key_and_rule(tmp_path, text, match):
    f = _write(tmp_path, text)
    with pytest.raises(DataFileError, match=match) as err:
        load_records(f, optional=("from_year", "to_year"))
    assert "r.toml" in str(err.value)


def test_statuses_outside_the_allowed_subset_are_refused(tmp_path):
    f = _write(tmp_path, GOOD.replace("secondary", "assumption"))
    assert load_records(f, optional=("from_year", "to_year"))[0].status == "assumption"
    with pytest.raises(DataFileError, match="status must be one of official, secondary"):
        load_records(f, optional=("from_year", "to_year"), allowed_statuses=LAW_STATUSES)


def test_schema_fixes_key_stems_and_units(tmp_path):
    f = _write(tmp_path, GOOD)
    schema = {"a": "t_CO2e / year"}
    assert load_records(f, optional=("from_year", "to_year"), schema=schema)[0].key == "a.b"
    with pytest.raises(DataFileError,
                       match="unknown key or unit 't_CO2e / year'; did you mean 'aa'"):
        load_records(f, optional=("from_year", "to_year"), schema={"aa": "t_CO2e / year"})


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(DataFileError, match="file not found") as err:
        load_records(tmp_path / "missing.toml")
    assert "missing.toml" in str(err.value)
    with pytest.raises(DataFileError, match="is a directory"):
        load_records(tmp_path)
    f = _write(tmp_path, GOOD.replace("a release", "caf\u00e9"), encoding="latin-1")
    with pytest.raises(DataFileError, match="not UTF-8"):
        load_records(f)


def test_shipped_files_read_through_the_one_loader():
    """Values as written in the shipped TOML files (read by eye), through each ported loader."""
    side = ets_side_records()
    power = side[(side["key"] == "covered_emissions.power") & (side["from_year"] == 2021)]
    assert power[["value", "to_year", "status"]].values.tolist() == [[5.0e9, 2025, "secondary"]]
    assert ets_fact("ets.annual_compliance_from") == 2023
    assert load_backcast_assumptions()["backcast.firms.domestic"]["unit"] == "enterprise"


def test_industry_assumptions_accept_only_assumption(tmp_path, monkeypatch):
    f = _write(tmp_path, '[[assumption]]\nkey = "k"\nvalue = 1.0\nunit = "1"\n'
                         'status = "official"\ntext = "t"\n')
    monkeypatch.setattr(a, "assumptions_file", lambda: str(f))
    with pytest.raises(a.IndustryDataError, match="status must be one of assumption") as err:
        a.load_assumptions()
    assert "r.toml" in str(err.value)

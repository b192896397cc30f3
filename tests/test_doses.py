"""The safety-critical numbers: schema, sources, arithmetic, and what the site shows."""

import copy
import json

import pytest
from bs4 import BeautifulSoup

from conftest import sphinx_build
from tpi_sphinx import doses, sources

DATA = doses.load(sources.DOCS / "data" / "doses.yaml")
BIB_KEYS = set(sources.bibliography().entries)


def test_data_file_has_no_problems():
    assert doses.problems(DATA, BIB_KEYS) == []


def test_every_number_has_a_unit_and_a_known_source():
    found = list(doses.quantities(DATA))
    assert len(found) > 20
    for path, quantity in found:
        assert quantity["unit"] in doses.UNITS, path
        assert quantity["source"] and set(quantity["source"]) <= BIB_KEYS, path


def test_one_percent_is_ten_mg_per_ml():
    lidocaine = DATA["local_anesthetics"]["lidocaine"]["concentrations"]
    one_percent = next(c for c in lidocaine if c["percent"]["value"] == 1)
    assert one_percent["strength"] == {**one_percent["strength"], "value": 10, "unit": "mg/mL"}


@pytest.mark.parametrize("fault, message", [
    (lambda d: d["local_anesthetics"]["lidocaine"]["plain"]["per_kg"].update(unit="mg/lb"), "unit 'mg/lb'"),
    (lambda d: d["local_anesthetics"]["lidocaine"]["plain"]["total"].update(source=[]), "needs a source"),
    (lambda d: d["lipid_emulsion"]["upper_limit"].update(source=["nosuchkey2099"]), "'nosuchkey2099' is not in"),
    (lambda d: d["lipid_emulsion"]["bolus_minutes"].update(value=[3, 2]), "low < high"),
    (lambda d: d["local_anesthetics"]["lidocaine"]["concentrations"][1]["strength"].update(value=100), "1% is 10 mg/mL"),
])
def test_a_faulty_entry_is_reported_by_name(fault, message):
    data = copy.deepcopy(DATA)
    fault(data)
    found = doses.problems(data, BIB_KEYS)
    assert len(found) == 1 and message in found[0], found


def test_maximum_is_weight_times_dose_per_kg_capped_at_the_total():
    prep = {"per_kg": {"value": 7}, "total": {"value": 500}}
    assert doses.maximum_mg(prep, 50) == 350
    assert doses.maximum_mg(prep, 80) == 500  # 7 x 80 = 560, capped
    assert doses.maximum_mg({"total": {"value": 175}}, 100) == 175


def _table(site, page, name):
    soup = BeautifulSoup((site.outdir / page).read_text(), "html.parser")
    table = soup.find("table", id=name)
    return [[cell.get_text(" ", strip=True) for cell in row.select("th, td")] for row in table.select("tr")]


def test_weight_tables_in_the_html_match_the_data(site):
    for key, agent, prep in doses.preparations(DATA):
        rows = _table(site, "procedure/maximum-doses.html", doses.weight_table_name(key))
        assert len(rows) == 1 + len(DATA["weight_table_kg"])
        for row, weight in zip(rows[1:], DATA["weight_table_kg"]):
            mg = doses.maximum_mg(prep, weight)
            assert float(row[0]) == weight
            assert float(row[1]) == pytest.approx(mg)
            for cell, conc in zip(row[2:], agent["concentrations"]):
                assert float(cell) == pytest.approx(mg / conc["strength"]["value"], abs=0.05)


def test_lidocaine_with_epinephrine_at_70_kg_is_490_mg(site):
    """An independent hand check: 7 mg/kg x 70 kg = 490 mg = 49 mL of 1%."""
    rows = _table(site, "procedure/maximum-doses.html", "table-weight-lidocaine-with-epinephrine")
    row70 = next(r for r in rows if r[0] == "70")
    assert row70[1] == "490" and row70[3] == "49"


def test_site_publishes_the_data_as_json(site):
    published = json.loads((site.outdir / "data" / "doses.json").read_text())
    assert published["local_anesthetics"] == DATA["local_anesthetics"]
    assert published["lipid_emulsion"] == DATA["lipid_emulsion"]


def test_a_wrong_unit_fails_the_build_naming_the_file(project_copy, tmp_path):
    path = project_copy / "docs" / "data" / "doses.yaml"
    path.write_text(path.read_text().replace("per_kg: {value: 4.5, unit: mg/kg", "per_kg: {value: 4.5, unit: mg/lb"))
    build = sphinx_build(project_copy, tmp_path / "out")
    assert any("docs/data/doses.yaml" in w and "mg/lb" in w for w in build.warnings), build.warnings


def test_no_weight_table_where_no_label_states_a_maximum(site):
    """A dose where most experience lies (bupivacaine 175 mg) is not a ceiling: it gets no by-weight table."""
    html = (site.outdir / "procedure" / "maximum-doses.html").read_text()
    without_maximum = [key for key, _, prep in doses.preparations(DATA, with_maximum=False) if "total" not in prep]
    assert without_maximum  # the data has at least one such preparation
    for key in without_maximum:
        assert f'id="{doses.weight_table_name(key)}"' not in html
    rows = _table(site, "procedure/maximum-doses.html", "table-maximum-doses")
    assert any("none found in a label" in row[2] for row in rows[1:])

"""The safety-critical numbers: schema, sources, arithmetic, and what the site shows."""

import copy
import json
import re

import pytest

from conftest import parsed
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


@pytest.mark.parametrize(
    "fault, message",
    [
        (lambda d: d["local_anesthetics"]["lidocaine"]["plain"]["per_kg"].update(unit="mg/lb"), "unit 'mg/lb'"),
        (lambda d: d["local_anesthetics"]["lidocaine"]["plain"]["total"].update(source=[]), "needs a source"),
        (lambda d: d["lipid_emulsion"]["upper_limit"].update(source=["nosuchkey2099"]), "'nosuchkey2099' is not in"),
        (lambda d: d["lipid_emulsion"]["bolus_minutes"].update(value=[3, 2]), "low < high"),
        (
            lambda d: d["local_anesthetics"]["lidocaine"]["concentrations"][1]["strength"].update(value=100),
            "1% is 10 mg/mL",
        ),
    ],
)
def test_a_faulty_entry_is_reported_by_name(fault, message):
    data = copy.deepcopy(DATA)
    fault(data)
    found = doses.problems(data, BIB_KEYS)
    assert len(found) == 1 and message in found[0], found


def test_maximum_is_weight_times_dose_per_kg_capped_at_the_total():
    prep = {"per_kg": {"value": 7}, "total": {"value": 500}}
    assert doses.maximum_mg(prep, 50) == 350
    assert doses.maximum_mg(prep, 80) == 500  # 7 x 80 = 560, capped


@pytest.mark.parametrize(
    "key, agent, prep", list(doses.preparations(DATA)), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_local_anesthetic_has_a_per_kg_limit_and_a_total_cap_with_sources(key, agent, prep):
    for needed, unit in (("per_kg", "mg/kg"), ("total", "mg")):
        assert prep[needed]["unit"] == unit and prep[needed]["source"], f"{key}.{needed}"


@pytest.mark.parametrize("needed", ["per_kg", "total"])
def test_an_agent_without_a_limit_is_reported(needed):
    data = copy.deepcopy(DATA)
    del data["local_anesthetics"]["bupivacaine"]["plain"][needed]
    found = doses.problems(data, BIB_KEYS)
    assert len(found) == 1 and "local_anesthetics.bupivacaine.plain" in found[0] and needed in found[0], found


def test_bupivacaine_limit_is_the_uk_label_figure():
    """2 mg/kg up to 150 mg (UK labels): the most conservative label figures; 50 kg -> 100 mg = 40 mL of 0.25%."""
    prep = DATA["local_anesthetics"]["bupivacaine"]["plain"]
    assert (prep["per_kg"]["value"], prep["total"]["value"]) == (2, 150)
    assert doses.maximum_mg(prep, 50) == 100 and doses.maximum_mg(prep, 75) == 150
    assert doses.maximum_mg(prep, 50) / 2.5 == 40


def test_mixing_adds_the_fractions_of_each_maximum():
    """Hand check at 70 kg: 5 mL of 1% lidocaine (50 mg of 200) + 10 mL of 0.25% bupivacaine (25 mg of 140)."""
    given = [
        {"preparation": "lidocaine.plain", "percent": 1, "volume_ml": 5},
        {"preparation": "bupivacaine.plain", "percent": 0.25, "volume_ml": 10},
    ]
    rows, total = doses.mixture(DATA, given, 70)
    assert [row["mg"] for row in rows] == [50, 25]
    assert [row["maximum_mg"] for row in rows] == [200, 140]
    assert total == pytest.approx(50 / 200 + 25 / 140)
    _, over = doses.mixture(DATA, [{**given[0], "volume_ml": 15}, {**given[1], "volume_ml": 30}], 70)
    assert over > 1  # 150/200 + 75/140: a mixture whose parts are each below their maximum, yet too much


def _table(site, page, name):
    soup = parsed(site.outdir / page)
    table = soup.find("table", id=name)
    return [[cell.get_text(" ", strip=True) for cell in row.select("th, td")] for row in table.select("tr")]


def test_weight_tables_in_the_html_match_the_data(site):
    for key, agent, prep in doses.preparations(DATA):
        rows = _table(site, "procedure/maximum-doses.html", doses.weight_table_name(key))
        assert len(rows) == 1 + len(DATA["weight_table_kg"])
        for row, weight in zip(rows[1:], DATA["weight_table_kg"], strict=True):
            mg = doses.maximum_mg(prep, weight)
            assert float(row[0]) == weight
            assert float(row[1]) == pytest.approx(mg)
            for cell, conc in zip(row[2:], agent["concentrations"], strict=True):
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


def give_a_wrong_unit(project) -> None:
    path = project / "docs" / "data" / "doses.yaml"
    path.write_text(path.read_text().replace("per_kg: {value: 3, unit: mg/kg", "per_kg: {value: 3, unit: mg/lb"))


def test_a_wrong_unit_fails_the_build_naming_the_file(faulty_build):
    build, _ = faulty_build  # conftest.py: one copy, every injected fault of the suite, one build
    assert any("docs/data/doses.yaml" in w and "mg/lb" in w for w in build.warnings), build.warnings


def test_mixing_example_on_the_page_is_the_arithmetic_of_the_data(site):
    example = DATA["mixing_example"]
    rows, total = doses.mixture(DATA, example["given"], example["weight_kg"])
    table = _table(site, "procedure/maximum-doses.html", "table-mixing-example")
    assert len(table) == 1 + len(rows) + 1
    for cells, row in zip(table[1:-1], rows, strict=True):  # between the header and the total
        assert float(cells[2].split()[0]) == pytest.approx(row["mg"])
        assert float(cells[3].split()[0]) == pytest.approx(row["maximum_mg"])
        assert float(cells[4]) == pytest.approx(row["fraction"], abs=0.005)
    assert float(table[-1][4].split()[0]) == pytest.approx(total, abs=0.005)
    assert total <= 1  # the worked example shows a safe mixture


ON_DATA_ONLY = [
    "resources/checklists/pre-procedure",
    "resources/checklists/time-out",
    "resources/checklists/post-procedure",
    "resources/checklists/supervised-practice",
    "resources/patient-information",
    "safety/last",
]


@pytest.mark.parametrize("page", ON_DATA_ONLY)
def test_every_number_rendered_on_the_page_is_the_data(site, page):
    """Checklists, the patient sheet and the LAST card show each number exactly as the data file has it."""
    source = (sources.DOCS / f"{page}.md").read_text(encoding="utf-8")
    paths = re.findall(r"\{dose\}`([^`]+)`", source)
    assert paths, f"{page} renders no number from the data"
    soup = parsed(site.outdir / f"{page}.html")
    shown = [span.get_text() for span in soup.select("article span.dose")]
    assert shown == [doses.fmt(doses.lookup(DATA, path)) for path in paths]


@pytest.mark.parametrize(
    "text, typed",
    [
        ("Give at most 300 mg of lidocaine.", ["300"]),
        ("Step 2: wait.", ["2"]),
    ],
)
def test_a_typed_number_on_a_checklist_is_found(text, typed):
    from docutils.core import publish_doctree

    tree = publish_doctree(text)
    assert [t for _, t in doses.hand_typed(tree, "resources/checklists/time-out", "reference")] == typed


@pytest.mark.parametrize(
    "text, typed",
    [
        ("Soreness starts 2 to 8 hours later.", ["2 to 8 hours"]),
        ("Call within 1 week, or if 4 in 10 people are sore.", ["1 week"]),
        ("Up to 300 mg.", ["300 mg"]),
    ],
)
def test_a_typed_quantity_on_the_patient_sheet_is_found(text, typed):
    from docutils.core import publish_doctree

    tree = publish_doctree(text)
    assert [t for _, t in doses.hand_typed(tree, "resources/patient-information", "patient")] == typed


def test_last_table_by_weight_is_the_arithmetic_of_the_data(site):
    """Every row: lipid bolus and infusion per kg up to the weight threshold (the bolus never above the fixed
    bolus of heavier patients), fixed above it; the lipid maximum and the largest single epinephrine dose per
    kg at every weight."""
    lipid, last = DATA["lipid_emulsion"], DATA["last"]
    rows = _table(site, "safety/last.html", "table-last-by-weight")
    assert [float(r[0]) for r in rows[1:]] == DATA["weight_table_kg"]
    for weight, row in zip(DATA["weight_table_kg"], rows[1:], strict=True):
        small = weight <= lipid["weight_threshold"]["value"]
        fixed = lipid["bolus_fixed"]["value"]
        bolus = min(lipid["bolus_per_kg"]["value"] * weight, fixed) if small else fixed
        assert float(row[1]) == pytest.approx(bolus)
        if small:
            assert row[2] == f"{doses.number(round(lipid['infusion_per_kg']['value'] * weight, 1))} mL/min"
        else:
            assert row[2] == f"{doses.fmt(lipid['infusion_fixed'])} over {doses.fmt(lipid['infusion_fixed_minutes'])}"
        assert float(row[3]) == pytest.approx(lipid["upper_limit"]["value"] * weight)
        assert float(row[4]) == pytest.approx(last["epinephrine_max_per_kg"]["value"] * weight)


def test_last_table_hand_check_at_70_and_80_kg(site):
    """Independent hand check: at 70 kg, 1.5 x 70 = 105 mL, capped at the 100 mL bolus of heavier patients;
    0.25 x 70 = 17.5 mL/min, 12 x 70 = 840 mL, 70 µg epinephrine; at 60 kg 1.5 x 60 = 90 mL; at 80 kg the
    fixed 100 mL bolus and 960 mL maximum."""
    rows = {r[0]: r for r in _table(site, "safety/last.html", "table-last-by-weight")[1:]}
    assert rows["70"][1:] == ["100", "17.5 mL/min", "840", "70"]
    assert rows["60"][1] == "90"
    assert rows["80"][1] == "100" and rows["80"][3] == "960" and rows["80"][4] == "80"


def test_a_printed_maximum_is_never_rounded_up():
    assert doses.ceiling(12.345) == "12.3" and doses.ceiling(12.39) == "12.3" and doses.ceiling(40) == "40"
    assert doses.ceiling(0.1 + 0.2) == "0.3"  # binary noise is not rounded down a step


def test_an_angle_is_written_against_its_number():
    """The entry angle renders as "30°" (no space), and only the data's value is shown."""
    angle = DATA["technique"]["entry_angle"]
    assert doses.fmt(angle) == f"{angle['value']}°"
    assert doses.fmt({"value": 30, "unit": "mm"}) == "30 mm"  # other units keep their space

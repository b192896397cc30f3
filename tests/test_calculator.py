"""The dose calculator (``{dose-calculator}``, ``docs/_static/calculator.js``) gives in Chromium the
same figures as the Python that draws the tables (``tpi_sphinx/doses.py``), over a grid of weights in
kilograms and pounds that includes the edges: below the lowest table weight, the weights where each
total cap takes over, and the lipid emulsion weight threshold. Without JavaScript the tables remain; the
form is labelled, announces its results, works from the keyboard, respects the Content-Security-Policy
and loads nothing from outside the site."""

import json
import re
from functools import cache

import pytest
from bs4 import BeautifulSoup

from tpi_sphinx import doses, sources

DATA = doses.load(sources.DOCS / "data" / "doses.yaml")  # the tables' data; the browser reads the site's JSON
KG_PER_LB = 0.45359237  # the international pound (calculator.js uses the same definition)
PAGES = ["procedure/maximum-doses", "safety/last"]
FORM = "#dose-calculator-0"


# -- Python's figures, printed as the tables print them ----------------------------------------


@cache
def combinations() -> tuple[tuple[str, float], ...]:
    """Every (preparation, percent) the form offers: each agent's preparations with its concentrations."""
    return tuple(
        (key, conc["percent"]["value"])
        for key, agent, _ in doses.preparations(DATA)
        for conc in agent["concentrations"]
    )


def expected(weight: float, unit: str, solutions: list[dict]) -> dict:
    """What the calculator must show, from tpi_sphinx.doses: the by-weight tables' maxima (``ceiling``),
    the mixing table's planned dose, fractions and sum (``mixture``), the LAST table (``last_by_weight``)."""
    kg = weight * KG_PER_LB if unit == "lb" else weight
    shown = {"weight_kg": doses.number(round(kg, 1)), "solutions": [], "sum": None, "verdict": None}
    planned = [s for s in solutions if s.get("volume_ml") is not None]
    rows, total = doses.mixture(DATA, planned, kg) if planned else ([], None)
    by_solution = dict(zip((id(s) for s in planned), rows, strict=True))
    for solution in solutions:
        agent, prep = doses.preparation(DATA, solution["preparation"])
        mg = doses.maximum_mg(prep, kg)
        row = by_solution.get(id(solution))
        shown["solutions"].append(
            {
                "maximum_mg": doses.ceiling(mg),
                "maximum_ml": doses.ceiling(mg / doses.strength(agent, solution["percent"])),
                "planned_mg": doses.number(round(row["mg"], 1)) if row else None,
                "fraction": f"{row['fraction']:.2f}" if row else None,
            }
        )
    if planned:
        shown["sum"] = f"{total:.2f}"
        shown["verdict"] = "within the limit" if total <= 1 else "over the limit: reduce the volumes"
    last = doses.last_by_weight(DATA, kg)
    shown["last"] = {
        "bolus_ml": doses.number(round(last["bolus_ml"], 1)),
        "infusion": last["infusion"],
        "maximum_ml": doses.ceiling(last["maximum_ml"]),
        "epinephrine_ug": doses.ceiling(last["epinephrine_ug"]),
    }
    shown["below_tables"] = kg < min(DATA["weight_table_kg"])
    return shown


def edges() -> list[float]:
    """Weights in kg where the arithmetic changes: where each total cap takes over, the lipid threshold,
    the lowest table weight; each exactly and just either side."""
    points = [prep["total"]["value"] / prep["per_kg"]["value"] for _, _, prep in doses.preparations(DATA)]
    lipid = DATA["lipid_emulsion"]
    points += [lipid["weight_threshold"]["value"], lipid["bolus_fixed"]["value"] / lipid["bolus_per_kg"]["value"]]
    points.append(min(DATA["weight_table_kg"]))
    return sorted({round(p + d, 6) for p in points for d in (-0.1, -0.01, 0, 0.01, 0.1)})


GRID_KG = sorted({0.5, 1, 10, 25, 45, 49.9, 50, 50.5, 58, 60, 80, 100, 150, 250, *DATA["weight_table_kg"], *edges()})
GRID_LB = sorted(
    {1, 50, 88, 110, 128, 130, 165, 220, 330}
    | {round(kg / KG_PER_LB + d, 2) for kg in edges() for d in (-0.01, 0, 0.01)}
)


# -- Driving the form ----------------------------------------------------------------------------


def open_calculator(page, served, docname: str = PAGES[0]):
    page.goto(f"{served}/{docname}.html")
    page.wait_for_selector(f"{FORM}:not([hidden])")
    return page


def set_solutions(page, solutions: list[dict | None]) -> None:
    for index, solution in enumerate(solutions, start=1):
        page.select_option(f"{FORM}-agent-{index}", solution["preparation"] if solution else "")
        if solution:
            page.select_option(f"{FORM}-concentration-{index}", doses.number(solution["percent"]))
            volume = solution.get("volume_ml")
            page.fill(f"{FORM}-volume-{index}", "" if volume is None else doses.number(volume))


def read_results(page) -> dict:
    """Every figure the form shows, by its data-out name."""
    return page.evaluate(
        "sel => Object.fromEntries([...document.querySelectorAll(sel + ' [data-out]')]"
        ".map(n => [n.dataset.out, n.textContent]))",
        FORM,
    )


def as_shown(shown: dict) -> dict:
    """expected() as the form's data-out cells."""
    out = {}
    for i, solution in enumerate(shown["solutions"], start=1):
        out[f"maximum-mg-{i}"] = solution["maximum_mg"]
        out[f"maximum-ml-{i}"] = solution["maximum_ml"]
        if shown["sum"] is not None:
            out[f"planned-mg-{i}"] = solution["planned_mg"] or "—"
            out[f"fraction-{i}"] = solution["fraction"] or "—"
    if shown["sum"] is not None:
        out["sum"], out["verdict"] = shown["sum"], shown["verdict"]
    out["lipid-bolus"] = shown["last"]["bolus_ml"]
    out["lipid-infusion"] = shown["last"]["infusion"]
    out["lipid-maximum"] = shown["last"]["maximum_ml"]
    out["epinephrine"] = shown["last"]["epinephrine_ug"]
    return out


def differences(got: dict, want: dict) -> dict:
    return {key: (got.get(key), value) for key, value in want.items() if got.get(key) != value}


# Each preparation and concentration in the first slot; a second agent, with planned volumes, in some.
SETUPS = [[{"preparation": key, "percent": percent}, None] for key, percent in combinations()] + [
    [
        {"preparation": "lidocaine.plain", "percent": 1, "volume_ml": 5},
        {"preparation": "bupivacaine.plain", "percent": 0.25, "volume_ml": 10},
    ],
    [
        {"preparation": "lidocaine.plain", "percent": 2, "volume_ml": 7.5},
        {"preparation": "bupivacaine.plain", "percent": 0.5, "volume_ml": 12},
    ],
    [{"preparation": "bupivacaine.plain", "percent": 0.25, "volume_ml": 20}, None],
]


# -- The figures ------------------------------------------------------------------------------------


def test_the_grid_covers_the_edges():
    """Below the lowest table weight, both sides of every cap and of the lipid threshold, in kg and lb."""
    lowest, threshold = min(DATA["weight_table_kg"]), DATA["lipid_emulsion"]["weight_threshold"]["value"]
    assert any(w < lowest for w in GRID_KG) and any(w * KG_PER_LB < lowest for w in GRID_LB)
    for _, _, prep in doses.preparations(DATA):
        cap_at = prep["total"]["value"] / prep["per_kg"]["value"]
        assert any(w < cap_at for w in GRID_KG) and any(w > cap_at for w in GRID_KG)
        assert any(w * KG_PER_LB < cap_at for w in GRID_LB) and any(w * KG_PER_LB > cap_at for w in GRID_LB)
    assert threshold in GRID_KG and any(w * KG_PER_LB > threshold for w in GRID_LB)
    assert any(w * KG_PER_LB < threshold for w in GRID_LB)


def enter_weights(page, unit: str, weights: list[float]) -> list[dict]:
    """Each weight entered in the form as typing does (the field's value, then an input event), and
    what the form shows for it; one round trip for the whole list."""
    page.select_option(f"{FORM}-unit", unit)
    return page.evaluate(
        """([sel, weights]) => weights.map(w => {
            const field = document.querySelector(sel + '-weight');
            field.value = w;
            field.dispatchEvent(new Event('input', {bubbles: true}));
            return Object.fromEntries([...document.querySelectorAll(sel + ' [data-out]')]
                .map(n => [n.dataset.out, n.textContent]));
        })""",
        [FORM, [str(w) for w in weights]],
    )


@pytest.mark.parametrize("setup", SETUPS, ids=lambda s: "+".join(f"{x['preparation']}-{x['percent']}" for x in s if x))
def test_the_form_shows_the_tables_figures_over_the_grid(served, page, setup):
    """Entered in the form in Chromium, every weight of the grid, in kg and in lb, gives the figures
    of tpi_sphinx.doses to the last digit, and the note below the tables' lowest weight when it should."""
    open_calculator(page, served)
    set_solutions(page, setup)
    solutions = [s for s in setup if s]
    wrong = {}
    for unit, grid in (("kg", GRID_KG), ("lb", GRID_LB)):
        for weight, got in zip(grid, enter_weights(page, unit, grid), strict=True):
            want = expected(weight, unit, solutions)
            if diff := differences(got, as_shown(want)):
                wrong[f"{weight} {unit}"] = diff
            if ("below" in got) != want["below_tables"]:
                wrong[f"{weight} {unit} below the tables"] = "below" in got
    assert not wrong


def test_the_script_matches_python_on_a_dense_grid(served, page):
    """The script's arithmetic, called directly, over every tenth of a kilogram up to 200 kg and every
    pound up to 440 lb, for every preparation and concentration, with and without planned volumes."""
    open_calculator(page, served)
    weights = [("kg", round(w * 0.1, 1)) for w in range(1, 2001)] + [("lb", float(w)) for w in range(1, 441)]
    cases = []
    for n, (unit, weight) in enumerate(weights):
        first, second = combinations()[n % len(combinations())], combinations()[(n // 3) % len(combinations())]
        solutions = [{"preparation": first[0], "percent": first[1], "volume_ml": None}]
        if n % 2:
            solutions = [
                {"preparation": first[0], "percent": first[1], "volume_ml": (n % 17) + 0.5},
                {"preparation": second[0], "percent": second[1], "volume_ml": n % 11},
            ]
        cases.append({"weight": {"value": weight, "unit": unit}, "solutions": solutions})
    got = page.evaluate(
        """async cases => {
            const data = await (await fetch(document.querySelector('.dose-calculator').dataset.doses)).json();
            return JSON.stringify(JSON.parse(cases).map(c => TPIDoseCalculator.results(data, c.weight, c.solutions)));
        }""",
        json.dumps(cases),
    )
    got = json.loads(got)  # one string each way crosses faster than thousands of objects
    wrong = []
    for case, shown in zip(cases, got, strict=True):
        want = expected(case["weight"]["value"], case["weight"]["unit"], case["solutions"])
        mine = {k: shown[k] for k in ("weight_kg", "sum", "verdict", "last", "below_tables")}
        mine["solutions"] = [
            {k: s[k] for k in ("maximum_mg", "maximum_ml", "planned_mg", "fraction")} for s in shown["solutions"]
        ]
        if mine != want:
            wrong.append((case, mine, want))
    assert not wrong[:5], f"{len(wrong)} of {len(cases)} differ"


def test_a_wrong_limit_in_the_script_is_caught(served, page):
    """The comparison can fail: the script given a lidocaine limit other than the data's disagrees with Python."""
    open_calculator(page, served)
    solutions = [{"preparation": "lidocaine.plain", "percent": 1, "volume_ml": 5}]
    got = page.evaluate(
        """async solutions => {
            const data = await (await fetch(document.querySelector('.dose-calculator').dataset.doses)).json();
            data.local_anesthetics.lidocaine.plain.per_kg.value += 0.5;
            return TPIDoseCalculator.results(data, {value: 50, unit: "kg"}, solutions);
        }""",
        solutions,
    )
    assert got["solutions"][0]["maximum_mg"] != expected(50, "kg", solutions)["solutions"][0]["maximum_mg"]


def test_rounding_is_pythons(served, page):
    """Ties round to even on the exact binary value, as Python prints them (a plain toFixed does not:
    0.125 -> 0.13), and numbers print as Python's "{:g}"."""
    open_calculator(page, served)
    values = [k / 8 for k in range(-40, 400)] + [k / 128 for k in range(0, 300)] + [0.1 * k for k in range(0, 300)]
    values += [12.625, 75.75, 2.675, 1e-5, 0.0001, 123456.5, 999999.5, 1234567.0, 3 * 66.66666]
    got = page.evaluate(
        "vs => vs.map(v => [TPIDoseCalculator.fixed(v, 1), TPIDoseCalculator.fixed(v, 2), TPIDoseCalculator.number(v),"
        " TPIDoseCalculator.ceiling(v), (v).toFixed(2)])",
        values,
    )
    for value, (one, two, g, ceiling, _) in zip(values, got, strict=True):
        assert (one, two, g, ceiling) == (f"{value:.1f}", f"{value:.2f}", f"{value:g}", doses.ceiling(value)), value
    naive = dict(zip(values, (row[4] for row in got), strict=True))
    assert naive[0.125] != f"{0.125:.2f}", "a plain toFixed would not match Python"


# -- The page around it ---------------------------------------------------------------------------------


def unlabelled(html: str) -> list[str]:
    """Inputs and selects of the calculators without a <label for> naming them."""
    soup = BeautifulSoup(html, "html.parser")
    labels = {label.get("for") for label in soup.select(".dose-calculator label")}
    return [
        str(field)[:60]
        for field in soup.select(".dose-calculator input, .dose-calculator select")
        if field.get("id") not in labels
    ]


def test_unlabelled_finds_a_field_without_a_label():
    html = '<div class="dose-calculator"><label for="a">A</label><input id="a"><select id="b"></select></div>'
    assert unlabelled(html) == ['<select id="b"></select>']


@pytest.mark.parametrize("docname", PAGES)
def test_the_form_is_labelled_hidden_until_ready_and_announces_its_results(site, docname):
    html = (site.outdir / f"{docname}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    form = soup.select_one(".dose-calculator")
    assert form is not None and form.has_attr("hidden"), "hidden until the script has the data"
    assert soup.select_one(".dose-calculator-nojs").get_text().strip(), "says it needs JavaScript"
    assert not unlabelled(html)
    assert len(form.select("input, select")) >= 8
    assert form.select_one(".dose-calculator-results")["aria-live"] == "polite"
    assert "not a dose to give" in form.get_text() and "lower of ideal and lean body weight" in form.get_text()
    assert not re.search(r"\d", form.select_one(".dose-calculator-inputs").get_text(" ")), "no number of its own"


def test_only_pages_with_a_calculator_load_its_script(site):
    with_form = set()
    for path in site.outdir.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if "calculator" not in text:  # neither the form nor its script: no need to parse the page
            continue
        soup = BeautifulSoup(text, "html.parser")
        scripts = [s["src"] for s in soup.select("script[src]") if "calculator.js" in s["src"]]
        has_form = soup.select_one(".dose-calculator") is not None
        assert bool(scripts) == has_form, path
        if has_form:
            assert soup.select_one("script[src*='calculator.js']").has_attr("defer")
            with_form.add(path.relative_to(site.outdir).with_suffix("").as_posix())
    assert with_form == set(PAGES)
    assert (site.outdir / "_static" / "calculator.js").is_file()


@pytest.mark.parametrize("docname", PAGES)
def test_without_javascript_the_tables_remain(browser, served, docname):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{served}/{docname}.html")
        assert not page.is_visible(FORM)
        assert page.is_visible(f"{FORM}-nojs")
        table = "#table-weight-lidocaine-plain" if docname == PAGES[0] else "#table-last-by-weight"
        assert page.is_visible(table)
    finally:
        context.close()


def test_with_javascript_the_note_gives_way_to_the_form(served, page):
    open_calculator(page, served)
    assert page.is_visible(FORM) and not page.is_visible(f"{FORM}-nojs")


def test_without_the_data_the_form_stays_hidden_and_says_so(served, page):
    page.route("**/data/doses.json", lambda route: route.fulfill(status=404, body="not found"))
    page.goto(f"{served}/{PAGES[0]}.html")
    page.wait_for_function(
        "sel => document.querySelector(sel).textContent.includes('could not load')", arg=f"{FORM}-nojs"
    )
    assert not page.is_visible(FORM)


@pytest.mark.parametrize("weight, text", [("0", "above 0"), ("-5", "above 0"), ("", "Enter a weight")])
def test_a_weight_that_is_not_a_weight_gives_no_figures(served, page, weight, text):
    open_calculator(page, served)
    page.fill(f"{FORM}-weight", "58")
    assert read_results(page)
    page.fill(f"{FORM}-weight", weight)
    assert read_results(page) == {}
    assert text in page.inner_text(f"{FORM}-results")


def test_the_form_works_from_the_keyboard(served, page):
    """Tab reaches every field in order (a field of an empty second agent is skipped), typing gives the
    figures, and choosing pounds by keyboard converts."""
    open_calculator(page, served, PAGES[1])
    page.focus(f"{FORM}-weight")
    page.keyboard.type("58")
    order = [page.evaluate("document.activeElement.id")]
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
    assert order == [
        f"{FORM[1:]}-weight",
        f"{FORM[1:]}-unit",
        f"{FORM[1:]}-agent-1",
        f"{FORM[1:]}-concentration-1",
        f"{FORM[1:]}-volume-1",
        f"{FORM[1:]}-agent-2",
    ]
    assert read_results(page)["lipid-bolus"] == expected(58, "kg", [])["last"]["bolus_ml"]
    page.focus(f"{FORM}-unit")
    page.keyboard.press("l")  # type-ahead in the focused select: "lb"
    assert page.input_value(f"{FORM}-unit") == "lb"
    first = {"preparation": page.input_value(f"{FORM}-agent-1"), "percent": 0.5}
    got = read_results(page)
    assert not differences(got, as_shown(expected(58, "lb", [first])))
    assert "below" in got  # 58 lb is under the lowest weight of the tables


@pytest.mark.parametrize("docname", PAGES)
def test_in_use_the_form_breaks_no_policy_and_stays_on_the_site(served, page, docname):
    """No error, no Content-Security-Policy report, and no request to anywhere but the site."""
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "favicon" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    open_calculator(page, served, docname)
    set_solutions(page, SETUPS[-3])
    for weight in ("45", "70", "120"):
        page.fill(f"{FORM}-weight", weight)
    page.select_option(f"{FORM}-unit", "lb")
    assert read_results(page)
    assert not problems
    assert requests and all(url.startswith(served) for url in requests), requests


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_the_form(browser, served, scheme):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(color_scheme=scheme, bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    try:
        open_calculator(page, served)
        set_solutions(page, SETUPS[-3])
        page.fill(f"{FORM}-weight", "58")
        results = Axe().run(page, context=".dose-calculator")
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]])
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert not serious
    finally:
        context.close()

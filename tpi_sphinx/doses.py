"""Safety-critical numbers: loaded from ``docs/data/doses.yaml``, checked, and
rendered the same way in every output.

- ``{dose-table} NAME`` renders one of the TABLES below (HTML, PDF and EPUB
  get the same docutils table, with citations to each number's sources).
- ``{dose}`path.to.quantity``` renders one number with its unit inline,
  e.g. ``{dose}`local_anesthetics.lidocaine.plain.per_kg``` -> "4.5 mg/kg".
- The HTML build publishes the data as ``data/doses.json``.

Every quantity is ``{value, unit, source}``; :func:`problems` lists what is
wrong with the file (unknown unit, missing or unknown source key, bad range,
and through :func:`implausible` numbers that cannot be right), naming the entry,
and the build fails on any of them; ``make lint`` reports the same at the line.
"""

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import traverse_parent

logger = logging.getLogger(__name__)

DATA_FILE = Path("docs") / "data" / "doses.yaml"  # relative to the configuration directory
UNITS = {
    "%",
    "mg/mL",
    "mg/kg",
    "mg",
    "µg/kg",
    "µg",
    "mL",
    "mL/kg",
    "mL/kg/min",
    "mL/kg/h",
    "min",
    "h",
    "days",
    "kg",
    "gauge",
    "mm",
    "cm",
    "times",
    "INR",
    "×10⁹/L",
    "mmol/L",
    "°",
}
PREPARATIONS = ("plain", "with_epinephrine")


# -- Loading and checking ------------------------------------------------------


def load(path: Path) -> dict:
    from .sources import data_file

    return data_file(path)


def is_quantity(node) -> bool:
    return isinstance(node, dict) and "value" in node


def walk(node, path: str = "") -> Iterator[tuple[str, object]]:
    """Every (dotted path, node) of the data, depth first, the node before its children."""
    yield path, node
    if isinstance(node, dict):
        for key, child in node.items():
            yield from walk(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from walk(child, f"{path}[{index}]")


def quantities(node, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every (dotted path, quantity) in the data, depth first."""
    return ((p, n) for p, n in walk(node, path) if is_quantity(n))


def problems(data: dict, bib_keys: set[str]) -> list[str]:
    """What is wrong with the data, one message per fault, each naming the entry."""
    found = []
    for path, quantity in quantities(data):
        value, unit, sources = quantity.get("value"), quantity.get("unit"), quantity.get("source")
        numbers = value if isinstance(value, list) else [value]
        if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
            found.append(f"{path}: value must be a number or a [low, high] range, not {value!r}")
        elif isinstance(value, list) and len(value) != 2:
            found.append(f"{path}: a range must be [low, high], not {value!r}")
        if unit not in UNITS:
            found.append(f"{path}: unit {unit!r} is not one of {', '.join(sorted(UNITS))}")
        if not sources or not isinstance(sources, list):
            found.append(f"{path}: every number needs a source (a list of keys of docs/references.bib)")
        else:
            for key in sources:
                if key not in bib_keys:
                    found.append(f"{path}: source {key!r} is not in docs/references.bib")
    for name, agent in data.get("local_anesthetics", {}).items():
        for key in PREPARATIONS:
            for needed in ("per_kg", "total"):
                if key in agent and needed not in agent[key]:
                    found.append(
                        f"local_anesthetics.{name}.{key}: every local anesthetic needs a per-kg limit "
                        f"and a total cap with their sources ({needed} is missing); where labels differ, "
                        "use the most conservative and list the others under `also`"
                    )
        for index, conc in enumerate(agent.get("concentrations", [])):
            expected = conc["percent"]["value"] * 10  # 1% w/v = 10 mg/mL
            if abs(conc["strength"]["value"] - expected) > 1e-9:
                found.append(
                    f"local_anesthetics.{name}.concentrations[{index}]: "
                    f"{conc['percent']['value']}% is {expected:g} mg/mL, not {conc['strength']['value']:g}"
                )
    found += _mixing_problems(data)
    found += implausible(data)
    return found


MAX_PLAUSIBLE_WEIGHT_KG = 150  # a per-kg limit whose total cap is reached only above this weight is a typo


def _numbers(node) -> Iterator[tuple[str, float]]:
    """Every (dotted path, number) in the data: the values of quantities and the plain numbers."""
    return ((p, n) for p, n in walk(node) if isinstance(n, (int, float)) and not isinstance(n, bool))


def implausible(data: dict) -> list[str]:
    """Numbers that cannot be right, one message per fault, each naming the entry: zero or
    negative amounts, percentages over 100, and a per-kg limit whose total cap is reached
    only at an implausible weight (the cap divided by the per-kg limit)."""
    found = []
    for path, value in _numbers(data):
        if value <= 0:
            found.append(f"{path.removesuffix('.value')}: {value:g} is not a possible amount (every number is above 0)")
    for path, quantity in quantities(data):
        values = quantity["value"] if isinstance(quantity.get("value"), list) else [quantity.get("value")]
        if quantity.get("unit") == "%" and any(isinstance(v, (int, float)) and v > 100 for v in values):
            found.append(f"{path}: a percentage cannot be over 100, not {quantity['value']!r}")
        if len(values) == 2 and all(isinstance(v, (int, float)) for v in values) and values[0] >= values[1]:
            found.append(f"{path}: a range must be [low, high] with low < high, not {quantity['value']!r}")
    for path, node in _mappings(data):
        found += _caps_out_of_reach(path, node)
    return found


def _mappings(node, path: str = "") -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict) and not is_quantity(node):
        yield path, node
        for key, child in node.items():
            yield from _mappings(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _mappings(child, f"{path}[{index}]")


def _caps_out_of_reach(path: str, node: dict) -> list[str]:
    """A per-kg limit (unit "X/kg") beside its cap (unit "X", key "total" or naming a maximum)."""
    found = []
    single = {key: q for key, q in node.items() if is_quantity(q) and isinstance(q["value"], (int, float))}
    for key, per_kg in single.items():
        unit = str(per_kg.get("unit", ""))
        if not unit.endswith("/kg") or per_kg["value"] <= 0:
            continue
        for cap_key, cap in single.items():
            if cap.get("unit") == unit.removesuffix("/kg") and ("total" in cap_key or "max" in cap_key):
                weight = cap["value"] / per_kg["value"]
                if weight > MAX_PLAUSIBLE_WEIGHT_KG:
                    where = f"{path}.{key}" if path else key
                    found.append(
                        f"{where}: {number(per_kg['value'])} {unit} reaches the cap {cap_key} of "
                        f"{number(cap['value'])} {cap['unit']} only at {weight:.0f} kg (over "
                        f"{MAX_PLAUSIBLE_WEIGHT_KG} kg): check the per-kg limit and the cap"
                    )
    return found


def _mixing_problems(data: dict) -> list[str]:
    example = data.get("mixing_example")
    if not example:
        return []
    found = []
    for index, given in enumerate(example["given"]):
        try:
            agent, prep = preparation(data, given["preparation"])
        except KeyError:
            found.append(f"mixing_example.given[{index}]: no preparation {given['preparation']!r}")
            continue
        if given["percent"] not in [c["percent"]["value"] for c in agent["concentrations"]]:
            found.append(f"mixing_example.given[{index}]: {given['percent']}% is not a listed concentration")
    return found


def _path_parts(path: str) -> list[str]:
    """ "needles[2].length" -> ["needles", "[2]", "length"]."""
    return re.findall(r"[^.\[\]]+|\[\d+\]", path)


def line_of(path: str, text: str) -> int:
    """The line of ``docs/data/doses.yaml`` where the entry ``path`` (as problems() names it) starts."""
    node = yaml.compose(text)
    mark = node.start_mark
    for part in _path_parts(path):
        if part.startswith("[") and isinstance(node, yaml.SequenceNode) and int(part[1:-1]) < len(node.value):
            node = node.value[int(part[1:-1])]
            mark = node.start_mark
        elif isinstance(node, yaml.MappingNode) and (pair := next((p for p in node.value if p[0].value == part), None)):
            mark, node = pair[0].start_mark, pair[1]
        else:
            break
    return mark.line + 1


def source_keys(data: dict) -> set[str]:
    return {key for _, quantity in quantities(data) for key in quantity.get("source") or []}


def lookup(data: dict, path: str) -> dict:
    """The quantity at a dotted path, e.g. "lipid_emulsion.bolus_per_kg" or "needles[2].length"."""
    node = data
    for part in _path_parts(path):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    if not is_quantity(node):
        raise KeyError(path)
    return node


# -- Formatting and arithmetic -------------------------------------------------


def number(value: float) -> str:
    return f"{value:g}"


def ceiling(value: float) -> str:
    """A maximum to one decimal, rounded down, so that a printed limit is never above the true one."""
    return number(math.floor(round(value * 10, 6)) / 10)


SPELLED = {"min": ("minute", "minutes"), "h": ("hour", "hours"), "days": ("day", "days"), "times": ("time", "times")}


def fmt(quantity: dict) -> str:
    """ "4.5 mg/kg", "2–3 minutes", "1 hour", "22 gauge", "0.5%", "INR 3.0", "20 × 10⁹/L", "30°"."""
    value, unit = quantity["value"], quantity["unit"]
    text = "–".join(number(v) for v in value) if isinstance(value, list) else number(value)
    if unit == "%":
        return f"{text}%"
    if unit == "INR":  # a dimensionless ratio, named before the number and given to one decimal: "INR 3.0"
        return "INR " + "–".join(f"{v:.1f}" for v in (value if isinstance(value, list) else [value]))
    if unit == "×10⁹/L":  # a cell count: "20 × 10⁹/L"
        return f"{text} × 10⁹/L"
    if unit == "°":  # an angle, written against the number: "30°"
        return f"{text}°"
    if unit in SPELLED:
        return f"{text} {SPELLED[unit][0] if value == 1 else SPELLED[unit][1]}"
    return f"{text} {unit}"


def cite(*quantities_: dict) -> str:
    keys = []
    for quantity in quantities_:
        keys += [k for k in quantity["source"] if k not in keys]
    return "{cite:p}`" + ",".join(keys) + "`"


def maximum_mg(preparation: dict, weight_kg: float) -> float:
    """The maximum dose for this weight: mg/kg x weight, never above the total cap."""
    return min(preparation["per_kg"]["value"] * weight_kg, preparation["total"]["value"])


def preparation(data: dict, key: str) -> tuple[dict, dict]:
    """("lidocaine.plain") -> (agent, preparation); KeyError if there is none."""
    name, prep = key.split(".")
    agent = data["local_anesthetics"][name]
    return agent, agent[prep]


def strength(agent: dict, percent: float) -> float:
    """mg/mL of the agent's listed concentration ``percent``."""
    return next(c["strength"]["value"] for c in agent["concentrations"] if c["percent"]["value"] == percent)


def mixture(data: dict, given: list[dict], weight_kg: float) -> tuple[list[dict], float]:
    """Toxicity of local anesthetics adds up: each agent's dose as a fraction of its own
    maximum at this weight, and their sum, which must stay at or below 1.

    ``given`` is a list of {preparation: "lidocaine.plain", percent: 1, volume_ml: 5}.
    """
    rows = []
    for item in given:
        agent, prep = preparation(data, item["preparation"])
        mg = item["volume_ml"] * strength(agent, item["percent"])
        limit = maximum_mg(prep, weight_kg)
        rows.append(
            {
                "agent": agent,
                "prep": prep,
                "percent": item["percent"],
                "volume_ml": item["volume_ml"],
                "mg": mg,
                "maximum_mg": limit,
                "fraction": mg / limit,
            }
        )
    return rows, sum(row["fraction"] for row in rows)


def weight_table_name(key: str) -> str:
    """The HTML id / label of a preparation's by-weight table: "lidocaine.plain" -> "table-weight-lidocaine-plain"."""
    return "table-weight-" + key.replace(".", "-").replace("_", "-")


def preparations(data: dict) -> Iterator[tuple[str, dict, dict]]:
    """(key, agent, preparation) for every agent and preparation, e.g. ("lidocaine.plain", ...)."""
    for name, agent in data["local_anesthetics"].items():
        for key in PREPARATIONS:
            if key in agent:
                yield f"{name}.{key}", agent, agent[key]


# -- Tables as MyST text (parsed by MyST, so HTML and LaTeX get the same nodes) --


def _list_table(title: str, name: str, header: list[str], rows: list[list[str]], widths: list[int]) -> str:
    lines = [
        "```{list-table} " + title,
        ":header-rows: 1",
        f":name: {name}",
        f":widths: {' '.join(map(str, widths))}",
        "",
    ]
    for row in [header, *rows]:
        lines.append(f"* - {row[0]}")
        lines += [f"  - {cell}" for cell in row[1:]]
    return "\n".join(lines + ["```", ""])


def table_concentrations(data: dict) -> str:
    rows = []
    for agent in data["local_anesthetics"].values():
        for conc in agent["concentrations"]:
            rows.append(
                [agent["name"], fmt(conc["percent"]), fmt(conc["strength"]), cite(conc["percent"], conc["strength"])]
            )
    return _list_table(
        "Local anesthetic concentrations",
        "table-concentrations",
        ["Agent", "Concentration", "Strength", "Source"],
        rows,
        [35, 20, 20, 25],
    )


def table_maximum_doses(data: dict) -> str:
    rows = []
    for _, agent, prep in preparations(data):
        others = "; ".join(f"{item['says']} {cite(item['quantity'])}" for item in prep.get("also", [])) or "—"
        rows.append(
            [
                f"{agent['name']}, {prep['label']}",
                f"{fmt(prep['per_kg'])} {cite(prep['per_kg'])}",
                f"{fmt(prep['total'])} {cite(prep['total'])}",
                others,
            ]
        )
    return _list_table(
        "Maximum single doses of local anesthetic (adults): the most conservative label figures",
        "table-maximum-doses",
        ["Agent", "Maximum per kg", "Maximum total", "Other label figures"],
        rows,
        [22, 18, 18, 42],
    )


def tables_by_weight(data: dict) -> str:
    parts = []
    for key, agent, prep in preparations(data):
        concs = agent["concentrations"]
        header = ["Weight (kg)", "Maximum dose (mg)"] + [f"Maximum volume of {fmt(c['percent'])} (mL)" for c in concs]
        rows = []
        for weight in data["weight_table_kg"]:
            mg = maximum_mg(prep, weight)
            rows.append([number(weight), ceiling(mg)] + [ceiling(mg / c["strength"]["value"]) for c in concs])
        basis = f"{fmt(prep['per_kg'])} up to {fmt(prep['total'])}"
        title = f"{agent['name']} {prep['label']}: maximum by weight ({basis})"
        widths = [16, 20] + [64 // len(concs)] * len(concs)
        parts.append(_list_table(title, weight_table_name(key), header, rows, widths))
    return "\n".join(parts)


def table_mixing_example(data: dict) -> str:
    example = data["mixing_example"]
    weight = example["weight_kg"]
    rows, total = mixture(data, example["given"], weight)
    body = []
    for row in rows:
        prep = row["prep"]
        body.append(
            [
                f"{row['agent']['name']} {number(row['percent'])}%, {prep['label']}",
                f"{number(row['volume_ml'])} mL",
                f"{number(round(row['mg'], 1))} mg",
                f"{ceiling(row['maximum_mg'])} mg {cite(prep['per_kg'], prep['total'])}",
                f"{row['fraction']:.2f}",
            ]
        )
    verdict = "within the limit" if total <= 1 else "over the limit: reduce the volumes"
    body.append(["**Sum of the fractions**", "", "", "", f"**{total:.2f}** ({verdict}; must be 1 or less)"])
    return _list_table(
        f"Worked example: two local anesthetics in one session, patient of {number(weight)} kg",
        "table-mixing-example",
        ["Solution", "Volume", "Dose", f"Maximum at {number(weight)} kg", "Fraction of maximum"],
        body,
        [30, 12, 12, 24, 22],
    )


def last_by_weight(data: dict, weight: float) -> dict:
    """Lipid emulsion and epinephrine for one lean body weight, from the per-kg or fixed doses."""
    lipid, last = data["lipid_emulsion"], data["last"]
    small = weight <= lipid["weight_threshold"]["value"]
    return {
        # per kg up to the threshold, but never more than the fixed bolus of heavier patients
        "bolus_ml": min(lipid["bolus_per_kg"]["value"] * weight, lipid["bolus_fixed"]["value"])
        if small
        else lipid["bolus_fixed"]["value"],
        "infusion": (
            f"{number(round(lipid['infusion_per_kg']['value'] * weight, 1))} mL/min"
            if small
            else f"{fmt(lipid['infusion_fixed'])} over {fmt(lipid['infusion_fixed_minutes'])}"
        ),
        "maximum_ml": lipid["upper_limit"]["value"] * weight,
        "epinephrine_ug": last["epinephrine_max_per_kg"]["value"] * weight,
    }


def table_last_by_weight(data: dict) -> str:
    lipid = data["lipid_emulsion"]
    rows = []
    for weight in data["weight_table_kg"]:
        dose = last_by_weight(data, weight)
        rows.append(
            [
                number(weight),
                number(round(dose["bolus_ml"], 1)),
                dose["infusion"],
                ceiling(dose["maximum_ml"]),
                ceiling(dose["epinephrine_ug"]),
            ]
        )
    return _list_table(
        f"Lipid emulsion {fmt(lipid['concentration'])} and epinephrine by lean body weight",
        "table-last-by-weight",
        [
            "Lean body weight (kg)",
            "Lipid bolus (mL)",
            "Lipid infusion",
            "Lipid maximum in total (mL)",
            "Epinephrine, largest single dose (µg)",
        ],
        rows,
        [14, 16, 28, 20, 22],
    )


def table_needles(data: dict) -> str:
    rows = []
    for needle in data["needles"]:
        length = fmt(needle["length"]) if "length" in needle else "—"
        sources = [q for q in (needle.get("gauge"), needle.get("length")) if q]
        rows.append([needle["use"], fmt(needle["gauge"]), length, cite(*sources)])
    return _list_table(
        "Needles described for trigger point injection",
        "table-needles",
        ["Use", "Gauge", "Length", "Source"],
        rows,
        [46, 16, 14, 24],
    )


TABLES = {
    "concentrations": table_concentrations,
    "maximum-doses": table_maximum_doses,
    "by-weight": tables_by_weight,
    "mixing-example": table_mixing_example,
    "last-by-weight": table_last_by_weight,
    "needles": table_needles,
}


# -- Numbers typed by hand where only the data file may put them ----------------

# On these pages and in every action card, every number comes from the data file.
DATA_ONLY_DOCS = ("resources/checklists/", "resources/quick-reference")
# On patient pages, every quantity (a number with a unit of dose, volume, size or time) does.
QUANTITY = re.compile(
    r"\d+(?:\.\d+)?(?:\s*(?:–|-|to)\s*\d+(?:\.\d+)?)?\s*(?:%|mg\b|mg/|mL\b|µg|mcg|micrograms?|milligrams?|"
    r"milliliters?|kg\b|kilograms?|gauge|mm\b|cm\b|inch|min\b|minutes?|h\b|hours?|days?|weeks?)",
    re.I,
)
SKIP = (
    addnodes.pending_xref,
    nodes.citation_reference,
    nodes.footnote_reference,
    addnodes.index,
    nodes.target,
    nodes.comment,
    nodes.system_message,
    nodes.title,
)


def _from_data_or_not_text(node: nodes.Node) -> bool:
    return isinstance(node, SKIP) or (
        isinstance(node, (nodes.inline, nodes.table)) and bool({"dose", "dose-table"} & set(node["classes"]))
    )


def _action_card(node: nodes.Node) -> bool:
    return isinstance(node, nodes.admonition) and "action-card" in node["classes"]


def hand_typed(doctree: nodes.document, docname: str, kind: str) -> list[tuple[nodes.Node, str]]:
    """(node, text) for each number typed by hand where the data file must supply it."""
    every_number = docname.startswith(DATA_ONLY_DOCS)
    found = []
    for text in doctree.findall(nodes.Text):
        if any(map(_from_data_or_not_text, traverse_parent(text))):  # the node or an ancestor
            continue
        content = text.astext()
        if every_number or any(map(_action_card, traverse_parent(text))):
            found += [(text.parent, m.group(0)) for m in re.finditer(r"\d+(?:[.,]\d+)*", content)]
        elif kind == "patient":
            found += [(text.parent, m.group(0)) for m in QUANTITY.finditer(content)]
    return found


def check_hand_typed(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    for node, typed in hand_typed(doctree, docname, app.env.metadata.get(docname, {}).get("kind", "")):
        logger.warning(
            f"'{typed}' is typed by hand: render it from {DATA_FILE} with {{dose}}`path`",
            location=node,
            type="tpi",
            subtype="doses",
        )


# -- Sphinx glue -----------------------------------------------------------------


class DoseTable(SphinxDirective):
    """``{dose-table} NAME``: one of the tables built from the data file."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        if name not in TABLES:
            raise self.error(f"unknown dose table {name!r}; choose one of {', '.join(TABLES)}")
        self.env.note_dependency(str(self.env.app.confdir / DATA_FILE))
        rendered = self.parse_text_to_nodes(TABLES[name](self.env.app.tpi_doses))
        for table in (t for node in rendered for t in node.findall(nodes.table)):
            table["classes"].append("dose-table")  # its numbers come from the data file
        return rendered


class Dose(SphinxRole):
    """``{dose}`path```: one number with its unit, e.g. 4.5 mg/kg."""

    def run(self):
        try:
            quantity = lookup(self.env.app.tpi_doses, self.text.strip())
        except (KeyError, TypeError):
            message = self.inliner.reporter.error(f"no quantity {self.text!r} in {DATA_FILE}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, message)], [message]
        self.env.note_dependency(str(self.env.app.confdir / DATA_FILE))
        return [nodes.inline(fmt(quantity), fmt(quantity), classes=["dose"])], []


def load_and_check(app: Sphinx) -> None:
    from .bibliography import summary

    path = Path(app.confdir) / DATA_FILE
    app.tpi_doses = load(path)
    bib_keys = set()
    for bibfile in app.config.bibtex_bibfiles:
        bib_keys |= summary(app, Path(app.confdir) / bibfile)[0]
    text = path.read_text(encoding="utf-8")
    for message in problems(app.tpi_doses, bib_keys):
        line = line_of(message.split(":", 1)[0], text)
        logger.warning(message, location=f"{DATA_FILE}:{line}", type="tpi", subtype="doses")


def publish_json(app: Sphinx, exception) -> None:
    if exception is None and app.builder.format == "html":
        out = Path(app.outdir) / "data"
        out.mkdir(exist_ok=True)
        payload = {"version": app.config.release, "source_file": str(DATA_FILE), **app.tpi_doses}
        (out / "doses.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.add_directive("dose-table", DoseTable)
    app.add_role("dose", Dose())
    app.connect("builder-inited", load_and_check)
    app.connect("doctree-read", check_hand_typed, priority=600)
    app.connect("build-finished", publish_json)

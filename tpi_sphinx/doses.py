"""Safety-critical numbers: loaded from ``docs/data/doses.yaml``, checked, and
rendered the same way in every output.

- ``{dose-table} NAME`` renders one of the TABLES below (HTML, PDF and EPUB
  get the same docutils table, with citations to each number's sources).
- ``{dose}`path.to.quantity``` renders one number with its unit inline,
  e.g. ``{dose}`local_anesthetics.lidocaine.plain.per_kg``` -> "4.5 mg/kg".
- The HTML build publishes the data as ``data/doses.json``.

Every quantity is ``{value, unit, source}``; :func:`problems` lists what is
wrong with the file (unknown unit, missing or unknown source key, bad range),
naming the file and the entry, and the build fails on any of them.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

logger = logging.getLogger(__name__)

DATA_FILE = Path("docs") / "data" / "doses.yaml"  # relative to the configuration directory
UNITS = {"%", "mg/mL", "mg/kg", "mg", "mL", "mL/kg", "mL/kg/min", "min", "kg", "gauge", "mm"}


# -- Loading and checking ------------------------------------------------------

def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def is_quantity(node) -> bool:
    return isinstance(node, dict) and "value" in node


def quantities(node, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every (dotted path, quantity) in the data, depth first."""
    if is_quantity(node):
        yield path, node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from quantities(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from quantities(child, f"{path}[{index}]")


def problems(data: dict, bib_keys: set[str]) -> list[str]:
    """What is wrong with the data, one message per fault, each naming the entry."""
    found = []
    for path, quantity in quantities(data):
        value, unit, sources = quantity.get("value"), quantity.get("unit"), quantity.get("source")
        numbers = value if isinstance(value, list) else [value]
        if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
            found.append(f"{path}: value must be a number or a [low, high] range, not {value!r}")
        elif isinstance(value, list) and (len(value) != 2 or value[0] >= value[1]):
            found.append(f"{path}: a range must be [low, high] with low < high, not {value!r}")
        if unit not in UNITS:
            found.append(f"{path}: unit {unit!r} is not one of {', '.join(sorted(UNITS))}")
        if not sources or not isinstance(sources, list):
            found.append(f"{path}: every number needs a source (a list of keys of docs/references.bib)")
        else:
            for key in sources:
                if key not in bib_keys:
                    found.append(f"{path}: source {key!r} is not in docs/references.bib")
    for name, agent in data.get("local_anesthetics", {}).items():
        for index, conc in enumerate(agent.get("concentrations", [])):
            expected = conc["percent"]["value"] * 10  # 1% w/v = 10 mg/mL
            if abs(conc["strength"]["value"] - expected) > 1e-9:
                found.append(
                    f"local_anesthetics.{name}.concentrations[{index}]: "
                    f"{conc['percent']['value']}% is {expected:g} mg/mL, not {conc['strength']['value']:g}"
                )
    return found


def source_keys(data: dict) -> set[str]:
    return {key for _, quantity in quantities(data) for key in quantity.get("source") or []}


def lookup(data: dict, path: str) -> dict:
    node = data
    for part in path.split("."):
        node = node[part]
    if not is_quantity(node):
        raise KeyError(path)
    return node


# -- Formatting and arithmetic -------------------------------------------------

def number(value: float) -> str:
    return f"{value:g}"


def fmt(quantity: dict) -> str:
    """"4.5 mg/kg", "2–3 min", "22 gauge", "0.5%"."""
    value, unit = quantity["value"], quantity["unit"]
    text = "–".join(number(v) for v in value) if isinstance(value, list) else number(value)
    if unit == "%":
        return f"{text}%"
    if unit == "gauge":
        return f"{text} gauge"
    return f"{text} {unit}"


def cite(*quantities_: dict) -> str:
    keys = []
    for quantity in quantities_:
        keys += [k for k in quantity["source"] if k not in keys]
    return "{cite:p}`" + ",".join(keys) + "`"


def maximum_mg(preparation: dict, weight_kg: float) -> float:
    """The maximum dose for this weight: mg/kg x weight, never above the total cap."""
    cap = preparation["total"]["value"]
    if "per_kg" not in preparation:
        return cap
    return min(preparation["per_kg"]["value"] * weight_kg, cap)


def weight_table_name(key: str) -> str:
    """The HTML id / label of a preparation's by-weight table: "lidocaine.plain" -> "table-weight-lidocaine-plain"."""
    return "table-weight-" + key.replace(".", "-").replace("_", "-")


def preparations(data: dict, with_maximum: bool = True) -> Iterator[tuple[str, dict, dict]]:
    """(key, agent, preparation) for every agent and preparation that has a maximum
    (a `total`), or for every one with ``with_maximum=False``."""
    for name, agent in data["local_anesthetics"].items():
        for key in ("plain", "with_epinephrine"):
            if key in agent and ("total" in agent[key] or not with_maximum):
                yield f"{name}.{key}", agent, agent[key]


# -- Tables as MyST text (parsed by MyST, so HTML and LaTeX get the same nodes) --

def _list_table(title: str, name: str, header: list[str], rows: list[list[str]], widths: list[int]) -> str:
    lines = ["```{list-table} " + title, ":header-rows: 1", f":name: {name}", f":widths: {' '.join(map(str, widths))}", ""]
    for row in [header, *rows]:
        lines.append(f"* - {row[0]}")
        lines += [f"  - {cell}" for cell in row[1:]]
    return "\n".join(lines + ["```", ""])


def table_concentrations(data: dict) -> str:
    rows = []
    for agent in data["local_anesthetics"].values():
        for conc in agent["concentrations"]:
            rows.append([agent["name"], fmt(conc["percent"]), fmt(conc["strength"]), cite(conc["percent"], conc["strength"])])
    return _list_table("Local anesthetic concentrations", "table-concentrations",
                       ["Agent", "Concentration", "Strength", "Source"], rows, [35, 20, 20, 25])


def table_maximum_doses(data: dict) -> str:
    rows = []
    for _, agent, prep in preparations(data, with_maximum=False):
        per_kg = f"{fmt(prep['per_kg'])} {cite(prep['per_kg'])}" if "per_kg" in prep else "none found in a label"
        if "total" in prep:
            total = f"{fmt(prep['total'])} {cite(prep['total'])}"
        else:
            total = (f"none found in a label; most experience is with single doses up to {fmt(prep['usual_upper'])}, "
                     f"and the dose is individualized {cite(prep['usual_upper'])}")
        others = "; ".join(f"{item['says']} {cite(item['quantity'])}" for item in prep.get("also", [])) or "—"
        rows.append([f"{agent['name']}, {prep['label']}", per_kg, total, others])
    return _list_table("Maximum single doses of local anesthetic (adults)", "table-maximum-doses",
                       ["Agent", "Maximum per kg", "Maximum total (used here)", "Where sources differ"], rows, [22, 20, 20, 38])


def tables_by_weight(data: dict) -> str:
    parts = []
    for key, agent, prep in preparations(data):
        concs = agent["concentrations"]
        header = ["Weight (kg)", "Maximum dose (mg)"] + [f"Maximum volume of {fmt(c['percent'])} (mL)" for c in concs]
        rows = []
        for weight in data["weight_table_kg"]:
            mg = maximum_mg(prep, weight)
            rows.append([number(weight), number(round(mg, 1))] + [number(round(mg / c["strength"]["value"], 1)) for c in concs])
        basis = (f"{fmt(prep['per_kg'])} up to {fmt(prep['total'])}" if "per_kg" in prep
                 else f"a fixed {fmt(prep['total'])}")
        title = f"{agent['name']} {prep['label']}: maximum by weight ({basis})"
        widths = [16, 20] + [64 // len(concs)] * len(concs)
        parts.append(_list_table(title, weight_table_name(key), header, rows, widths))
    return "\n".join(parts)


def table_lipid_emulsion(data: dict) -> str:
    lipid = data["lipid_emulsion"]
    threshold = fmt(lipid["weight_threshold"])
    rows = [
        ["Bolus", f"{fmt(lipid['bolus_per_kg'])} over {fmt(lipid['bolus_minutes'])}",
         f"{fmt(lipid['bolus_fixed'])} over {fmt(lipid['bolus_minutes'])}",
         cite(lipid["bolus_per_kg"], lipid["bolus_minutes"], lipid["bolus_fixed"])],
        ["Infusion", f"{fmt(lipid['infusion_per_kg'])}",
         f"{fmt(lipid['infusion_fixed'])} over {fmt(lipid['infusion_fixed_minutes'])}",
         cite(lipid["infusion_per_kg"], lipid["infusion_fixed"], lipid["infusion_fixed_minutes"])],
        ["Upper limit", *[f"{fmt(lipid['upper_limit'])} over the first {fmt(lipid['upper_limit_minutes'])}"] * 2,
         cite(lipid["upper_limit"], lipid["upper_limit_minutes"])],
    ]
    return _list_table(f"Lipid emulsion {fmt(lipid['concentration'])} for local anesthetic systemic toxicity",
                       "table-lipid-emulsion",
                       ["Step", f"{threshold} or less", f"Over {threshold}", "Source"], rows, [16, 30, 30, 24])


def table_needles(data: dict) -> str:
    rows = []
    for needle in data["needles"]:
        length = fmt(needle["length"]) if "length" in needle else "—"
        sources = [q for q in (needle.get("gauge"), needle.get("length")) if q]
        rows.append([needle["use"], fmt(needle["gauge"]), length, cite(*sources)])
    return _list_table("Needles described for trigger point injection", "table-needles",
                       ["Use", "Gauge", "Length", "Source"], rows, [46, 16, 14, 24])


TABLES = {
    "concentrations": table_concentrations,
    "maximum-doses": table_maximum_doses,
    "by-weight": tables_by_weight,
    "lipid-emulsion": table_lipid_emulsion,
    "needles": table_needles,
}


# -- Sphinx glue -----------------------------------------------------------------

class DoseTable(SphinxDirective):
    """``{dose-table} NAME``: one of the tables built from the data file."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        if name not in TABLES:
            raise self.error(f"unknown dose table {name!r}; choose one of {', '.join(TABLES)}")
        self.env.note_dependency(str(self.env.app.confdir / DATA_FILE))
        return self.parse_text_to_nodes(TABLES[name](self.env.app.tpi_doses))


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
    from .sources import bibliography

    app.tpi_doses = load(Path(app.confdir) / DATA_FILE)
    bib_keys = set()
    for bibfile in app.config.bibtex_bibfiles:
        bib_keys |= set(bibliography(Path(app.confdir) / bibfile).entries)
    for message in problems(app.tpi_doses, bib_keys):
        logger.warning(message, location=str(DATA_FILE), type="tpi", subtype="doses")


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
    app.connect("build-finished", publish_json)

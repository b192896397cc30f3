/* The dose calculator of the TPI Reference ({dose-calculator}, tpi_sphinx/calculator.py).
 *
 * For one weight it shows the maximum dose (mg) and volume (mL) of each chosen local anesthetic,
 * the fraction of its maximum that a planned volume uses and the sum of the fractions, and the
 * lipid emulsion and epinephrine figures of the LAST card. Every number comes from the site's own
 * data/doses.json; nothing is fetched from anywhere else.
 *
 * The arithmetic and the rounding are those of tpi_sphinx/doses.py, line for line, so that the
 * calculator and the tables agree to the last digit (tests/test_calculator.py compares them over a
 * grid of weights in Chromium):
 *   maximumMg   = doses.maximum_mg     min(per_kg x weight, total)
 *   ceiling     = doses.ceiling        one decimal, rounded down
 *   number      = doses.number         Python's "{:g}"
 *   pyRound     = round(x, n)          half to even, on the exact binary value
 *   mixture     = doses.mixture
 *   lastByWeight = doses.last_by_weight
 */
(function () {
  "use strict";

  // Kilograms in one international pound: a unit definition, not a clinical number.
  var KG_PER_LB = 0.45359237;
  var PREPARATIONS = ["plain", "with_epinephrine"];
  var SPELLED = { min: ["minute", "minutes"], h: ["hour", "hours"], days: ["day", "days"], times: ["time", "times"] };

  // -- Python's rounding and formatting ---------------------------------------------------

  /* x to nd decimals, as Python's format(x, ".<nd>f") and round(x, nd) do: the exact decimal value
     of the double, ties to even (toFixed alone rounds ties away from zero: 0.125 -> "0.13"). */
  function fixed(x, nd) {
    var negative = x < 0;
    var exact = Math.abs(x).toFixed(100); // the exact expansion of a double of ordinary size
    var point = exact.indexOf(".");
    var digits = exact.slice(0, point) + exact.slice(point + 1, point + 1 + nd);
    var rest = exact.slice(point + 1 + nd);
    var n = BigInt(digits);
    var first = rest.charAt(0);
    var beyond = /[1-9]/.test(rest.slice(1));
    if (first > "5" || (first === "5" && (beyond || n % 2n === 1n))) {
      n += 1n;
    }
    var text = n.toString();
    if (nd > 0) {
      text = text.padStart(nd + 1, "0");
      text = text.slice(0, text.length - nd) + "." + text.slice(text.length - nd);
    }
    return (negative ? "-" : "") + text;
  }

  function pyRound(x, nd) {
    return Number(fixed(x, nd));
  }

  /* Python's format(x, "g"): six significant digits, trailing zeros dropped. */
  function number(x) {
    if (x === 0) {
      return "0";
    }
    var exponent = Number(Math.abs(x).toExponential(5).split("e")[1]);
    if (exponent < -4 || exponent >= 6) {
      var parts = x.toExponential(5).split("e");
      var mantissa = parts[0].replace(/\.?0+$/, "");
      var e = Number(parts[1]);
      return mantissa + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
    }
    var text = fixed(x, 5 - exponent);
    return text.indexOf(".") >= 0 ? text.replace(/\.?0+$/, "") : text;
  }

  /* A maximum to one decimal, rounded down, so that a printed limit is never above the true one. */
  function ceiling(value) {
    return number(Math.floor(pyRound(value * 10, 6)) / 10);
  }

  /* A quantity with its unit, as doses.fmt: "4.5 mg/kg", "2–3 minutes", "0.5%". */
  function fmt(quantity) {
    var value = quantity.value;
    var unit = quantity.unit;
    var text = Array.isArray(value) ? value.map(number).join("–") : number(value);
    if (unit === "%") {
      return text + "%";
    }
    if (unit === "INR") {
      return "INR " + (Array.isArray(value) ? value : [value]).map(function (v) { return fixed(v, 1); }).join("–");
    }
    if (unit === "×10⁹/L") {
      return text + " × 10⁹/L";
    }
    if (unit === "°") {
      return text + "°";
    }
    if (Object.prototype.hasOwnProperty.call(SPELLED, unit)) {
      return text + " " + SPELLED[unit][value === 1 ? 0 : 1];
    }
    return text + " " + unit;
  }

  // -- The arithmetic of tpi_sphinx/doses.py ---------------------------------------------

  function maximumMg(prep, weightKg) {
    return Math.min(prep.per_kg.value * weightKg, prep.total.value);
  }

  function preparation(data, key) {
    var parts = key.split(".");
    var agent = data.local_anesthetics[parts[0]];
    if (!agent || !agent[parts[1]]) {
      throw new Error("no preparation " + key);
    }
    return [agent, agent[parts[1]]];
  }

  function strength(agent, percent) {
    for (var i = 0; i < agent.concentrations.length; i++) {
      if (agent.concentrations[i].percent.value === percent) {
        return agent.concentrations[i].strength.value;
      }
    }
    throw new Error("no concentration " + percent + "%");
  }

  /* given: [{preparation: "lidocaine.plain", percent: 1, volume_ml: 5}, ...] */
  function mixture(data, given, weightKg) {
    var rows = [];
    var total = 0;
    given.forEach(function (item) {
      var found = preparation(data, item.preparation);
      var mg = item.volume_ml * strength(found[0], item.percent);
      var limit = maximumMg(found[1], weightKg);
      rows.push({ agent: found[0], prep: found[1], percent: item.percent, volume_ml: item.volume_ml,
        mg: mg, maximum_mg: limit, fraction: mg / limit });
    });
    rows.forEach(function (row) { total += row.fraction; });
    return { rows: rows, total: total };
  }

  function lastByWeight(data, weight) {
    var lipid = data.lipid_emulsion;
    var last = data.last;
    var small = weight <= lipid.weight_threshold.value;
    return {
      bolus_ml: small ? Math.min(lipid.bolus_per_kg.value * weight, lipid.bolus_fixed.value) : lipid.bolus_fixed.value,
      infusion: small
        ? number(pyRound(lipid.infusion_per_kg.value * weight, 1)) + " mL/min"
        : fmt(lipid.infusion_fixed) + " over " + fmt(lipid.infusion_fixed_minutes),
      maximum_ml: lipid.upper_limit.value * weight,
      epinephrine_ug: last.epinephrine_max_per_kg.value * weight,
    };
  }

  /* What the page shows for one set of inputs, as strings, exactly as the tables would print them.
     weight: {value, unit: "kg" | "lb"}; solutions: [{preparation, percent, volume_ml (or null)}]. */
  function results(data, weight, solutions) {
    var kg = weight.unit === "lb" ? weight.value * KG_PER_LB : weight.value;
    var out = { weight_kg: number(pyRound(kg, 1)), solutions: [], sum: null, verdict: null };
    var planned = [];
    solutions.forEach(function (solution) {
      var found = preparation(data, solution.preparation);
      var agent = found[0];
      var prep = found[1];
      var mg = maximumMg(prep, kg);
      var row = {
        preparation: solution.preparation,
        name: agent.name + " " + number(solution.percent) + "%, " + prep.label,
        basis: fmt(prep.per_kg) + " up to " + fmt(prep.total),
        maximum_mg: ceiling(mg),
        maximum_ml: ceiling(mg / strength(agent, solution.percent)),
        planned_mg: null,
        fraction: null,
      };
      if (solution.volume_ml !== null && solution.volume_ml !== undefined) {
        planned.push({ row: row, item: { preparation: solution.preparation, percent: solution.percent,
          volume_ml: solution.volume_ml } });
      }
      out.solutions.push(row);
    });
    if (planned.length) {
      var mixed = mixture(data, planned.map(function (p) { return p.item; }), kg);
      mixed.rows.forEach(function (mixedRow, i) {
        planned[i].row.planned_mg = number(pyRound(mixedRow.mg, 1));
        planned[i].row.fraction = fixed(mixedRow.fraction, 2);
      });
      out.sum = fixed(mixed.total, 2);
      out.verdict = mixed.total <= 1 ? "within the limit" : "over the limit: reduce the volumes";
    }
    var lipid = lastByWeight(data, kg);
    out.last = {
      bolus_ml: number(pyRound(lipid.bolus_ml, 1)),
      infusion: lipid.infusion,
      maximum_ml: ceiling(lipid.maximum_ml),
      epinephrine_ug: ceiling(lipid.epinephrine_ug),
    };
    out.below_tables = kg < Math.min.apply(null, data.weight_table_kg);
    out.lowest_table_weight = number(Math.min.apply(null, data.weight_table_kg));
    return out;
  }

  // -- The form -----------------------------------------------------------------------

  function element(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return node;
  }

  function option(value, text) {
    var node = element("option", text);
    node.value = value;
    return node;
  }

  function fillAgents(select, data, optional) {
    if (optional) {
      select.appendChild(option("", "None"));
    }
    Object.keys(data.local_anesthetics).forEach(function (name) {
      var agent = data.local_anesthetics[name];
      PREPARATIONS.forEach(function (key) {
        if (agent[key]) {
          select.appendChild(option(name + "." + key, agent.name + ", " + agent[key].label));
        }
      });
    });
  }

  function fillConcentrations(select, data, key) {
    var previous = select.value;
    select.textContent = "";
    if (!key) {
      select.disabled = true;
      return;
    }
    select.disabled = false;
    var agent = preparation(data, key)[0];
    agent.concentrations.forEach(function (conc) {
      select.appendChild(option(String(conc.percent.value), fmt(conc.percent) + " (" + fmt(conc.strength) + ")"));
    });
    if (Array.prototype.some.call(select.options, function (o) { return o.value === previous; })) {
      select.value = previous;
    }
  }

  /* A number typed in a field: null when empty, NaN when not a number. */
  function typed(input) {
    var text = input.value.trim();
    if (text === "") {
      return input.validity && input.validity.badInput ? NaN : null;
    }
    var value = Number(text);
    return Number.isFinite(value) ? value : NaN;
  }

  function cell(row, tag, text, out) {
    var node = element(tag, text, out ? { "data-out": out } : {});
    row.appendChild(node);
    return node;
  }

  /* A table with one row per quantity (narrow enough for a phone): header is [corner, column...],
     rows are [label, [text, data-out name]...]. */
  function table(caption, header, rows, className) {
    var node = element("table", null, { class: "docutils dose-calculator-table " + className });
    node.appendChild(element("caption", caption));
    var head = element("thead");
    var top = element("tr");
    header.forEach(function (text) { cell(top, "th", text).setAttribute("scope", "col"); });
    head.appendChild(top);
    node.appendChild(head);
    var body = element("tbody");
    rows.forEach(function (entry) {
      var row = element("tr");
      cell(row, "th", entry[0]).setAttribute("scope", "row");
      entry.slice(1).forEach(function (value) { cell(row, "td", value[0], value[1]); });
      body.appendChild(row);
    });
    node.appendChild(body);
    return node;
  }

  function wrapped(region, node) {
    region.appendChild(element("div", null, { class: "table-wrapper" })).appendChild(node);
  }

  function message(region, text) {
    region.textContent = "";
    region.appendChild(element("p", text));
  }

  function render(region, shown, lipidConcentration) {
    region.textContent = "";
    var solutions = shown.solutions;
    function each(label, key, empty) {
      return [label].concat(solutions.map(function (solution, i) {
        var value = solution[key];
        return [value === null ? empty : value, key.replace("_", "-") + "-" + (i + 1)];
      }));
    }
    var rows = [each("Maximum dose (mg)", "maximum_mg"), each("Maximum volume (mL)", "maximum_ml")];
    if (shown.sum !== null) {
      rows.push(each("Planned dose (mg)", "planned_mg", "—"), each("Fraction of maximum", "fraction", "—"));
    }
    wrapped(region, table(
      "Local anesthetic: the maximum at " + shown.weight_kg + " kg, a ceiling for the whole session, not a dose to give",
      ["At " + shown.weight_kg + " kg"].concat(solutions.map(function (s) { return s.name + " (" + s.basis + ")"; })),
      rows,
      "dose-calculator-maxima"
    ));
    if (shown.sum !== null) {
      var sum = element("p", null, { class: "dose-calculator-sum" });
      sum.appendChild(document.createTextNode("Sum of the fractions: "));
      sum.appendChild(element("span", shown.sum, { "data-out": "sum" }));
      sum.appendChild(document.createTextNode(" ("));
      sum.appendChild(element("span", shown.verdict, { "data-out": "verdict" }));
      sum.appendChild(document.createTextNode("; must be 1 or less)."));
      region.appendChild(sum);
    }
    if (shown.below_tables) {
      region.appendChild(element("p",
        "Below " + shown.lowest_table_weight + " kg, the lowest weight in the tables: the tables are for adults " +
        "and trigger point injection in children is outside them.", { class: "dose-calculator-warning", "data-out": "below" }));
    }
    var last = shown.last;
    wrapped(region, table(
      "Lipid emulsion " + lipidConcentration + " and epinephrine for a lean body weight of " + shown.weight_kg +
        " kg (local anesthetic systemic toxicity)",
      ["Lean body weight", shown.weight_kg + " kg"],
      [
        ["Lipid bolus (mL)", [last.bolus_ml, "lipid-bolus"]],
        ["Lipid infusion", [last.infusion, "lipid-infusion"]],
        ["Lipid maximum in total (mL)", [last.maximum_ml, "lipid-maximum"]],
        ["Epinephrine, largest single dose (µg)", [last.epinephrine_ug, "epinephrine"]],
      ],
      "dose-calculator-lipid"
    ));
  }

  function setUp(box, data) {
    var weight = box.querySelector("[data-role=weight]");
    var unit = box.querySelector("[data-role=unit]");
    var region = box.querySelector(".dose-calculator-results");
    var fieldsets = Array.prototype.slice.call(box.querySelectorAll(".dose-calculator-solution"));
    fieldsets.forEach(function (fieldset) {
      var agent = fieldset.querySelector("[data-role=agent]");
      fillAgents(agent, data, fieldset.hasAttribute("data-optional"));
      fillConcentrations(fieldset.querySelector("[data-role=concentration]"), data, agent.value);
      fieldset.querySelector("[data-role=volume]").disabled = !agent.value;
    });

    function update() {
      var value = typed(weight);
      if (value === null) {
        message(region, "Enter a weight to see the maximum.");
        return;
      }
      if (!(value > 0)) {
        message(region, "Enter the weight as a number above 0.");
        return;
      }
      var solutions = [];
      for (var i = 0; i < fieldsets.length; i++) {
        var key = fieldsets[i].querySelector("[data-role=agent]").value;
        if (!key) {
          continue;
        }
        var volume = typed(fieldsets[i].querySelector("[data-role=volume]"));
        if (volume !== null && !(volume >= 0)) {
          message(region, "Enter each planned volume as a number of mL, 0 or more, or leave it empty.");
          return;
        }
        solutions.push({
          preparation: key,
          percent: Number(fieldsets[i].querySelector("[data-role=concentration]").value),
          volume_ml: volume,
        });
      }
      try {
        render(region, results(data, { value: value, unit: unit.value }, solutions),
          fmt(data.lipid_emulsion.concentration));
      } catch (error) {
        message(region, "The calculator cannot use this data (" + error.message + "); use the tables on this page.");
      }
    }

    // A select fires "input" and then "change"; a number field fires "input" on every keystroke.
    function changed(event) {
      if (event.target.getAttribute("data-role") === "agent") {
        var fieldset = event.target.closest(".dose-calculator-solution");
        fillConcentrations(fieldset.querySelector("[data-role=concentration]"), data, event.target.value);
        fieldset.querySelector("[data-role=volume]").disabled = !event.target.value;
      }
      update();
    }
    box.addEventListener("input", changed);
    box.addEventListener("change", changed);
    update();
    box.hidden = false;
    var note = document.getElementById(box.id + "-nojs");
    if (note) {
      note.hidden = true;
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".dose-calculator[data-doses]"), function (box) {
      fetch(box.getAttribute("data-doses"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status + " " + response.statusText);
          }
          return response.json();
        })
        .then(function (data) { setUp(box, data); })
        .catch(function () {
          var note = document.getElementById(box.id + "-nojs");
          if (note) {
            note.textContent = "The dose calculator could not load the site's dose data; the tables on this page " +
              "give the same figures.";
          }
        });
    });
  }

  window.TPIDoseCalculator = {
    fixed: fixed,
    pyRound: pyRound,
    number: number,
    ceiling: ceiling,
    fmt: fmt,
    maximumMg: maximumMg,
    mixture: mixture,
    lastByWeight: lastByWeight,
    results: results,
    KG_PER_LB: KG_PER_LB,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

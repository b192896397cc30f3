/* Glossary definitions on hover, focus or tap (tpi_sphinx/glossarytips.py).
 *
 * A link to a glossary term shows the term's definition, from the glossary itself, in a box under
 * the link: when the pointer rests on it, when it gets keyboard focus, or on the first tap on a touch
 * screen (a second tap follows the link). Escape closes the box; the pointer can move onto the box
 * without closing it. The definitions (_static/glossary-terms.js) load on first use, from this site.
 */
(function () {
  "use strict";

  var me = document.currentScript;
  var dataUrl = me ? me.src.replace(/glossary-tips\.js(\?.*)?$/, "glossary-terms.js") : null;
  var loading = null;
  var tip = null;
  var shownFor = null;
  var hideTimer = null;
  var lastPointer = "mouse";
  var tapped = null; // the link whose definition a first tap opened

  function load() {
    if (window.tpiGlossary) return Promise.resolve(window.tpiGlossary);
    if (!loading) {
      loading = new Promise(function (resolve) {
        var data = document.createElement("script");
        data.src = dataUrl;
        data.onload = function () { resolve(window.tpiGlossary || {}); };
        data.onerror = function () { loading = null; resolve({}); };
        document.head.appendChild(data);
      });
    }
    return loading;
  }

  function termLink(target) {
    var link = target && target.closest ? target.closest("a[href*='#term-']") : null;
    return link && link.closest("article") ? link : null;
  }

  function termId(link) {
    var hash = link.getAttribute("href").split("#")[1] || "";
    try { return decodeURIComponent(hash); } catch (e) { return hash; }
  }

  function box() {
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "glossary-tip";
      tip.className = "glossary-tip";
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
      tip.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
      tip.addEventListener("mouseleave", function () { hideSoon(); });
      document.body.appendChild(tip);
    }
    return tip;
  }

  function place(link) {
    var rect = link.getBoundingClientRect();
    var width = document.documentElement.clientWidth;
    tip.style.left = "0px";
    tip.style.top = "0px";
    var left = Math.min(Math.max(8, rect.left), Math.max(8, width - tip.offsetWidth - 8));
    var below = rect.bottom + 6;
    var top = below + tip.offsetHeight > window.innerHeight && rect.top - tip.offsetHeight - 6 > 0
      ? rect.top - tip.offsetHeight - 6
      : below;
    tip.style.left = left + window.scrollX + "px";
    tip.style.top = top + window.scrollY + "px";
  }

  function show(link) {
    clearTimeout(hideTimer);
    return load().then(function (terms) {
      var entry = terms[termId(link)];
      if (!entry) return false;
      var el = box();
      el.textContent = "";
      var name = document.createElement("strong");
      name.textContent = entry.term;
      el.appendChild(name);
      el.appendChild(document.createTextNode(": " + entry.text));
      if (shownFor && shownFor !== link) shownFor.removeAttribute("aria-describedby");
      shownFor = link;
      link.setAttribute("aria-describedby", el.id);
      el.hidden = false;
      place(link);
      return true;
    });
  }

  function hide() {
    clearTimeout(hideTimer);
    if (tip) tip.hidden = true;
    if (shownFor) shownFor.removeAttribute("aria-describedby");
    shownFor = null;
    tapped = null;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 300);
  }

  document.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; }, true);
  document.addEventListener("mouseover", function (event) {
    var link = termLink(event.target);
    if (link && lastPointer !== "touch") show(link);
  });
  document.addEventListener("mouseout", function (event) {
    var link = termLink(event.target);
    if (link && link === shownFor && !link.contains(event.relatedTarget)) hideSoon();
  });
  document.addEventListener("focusin", function (event) {
    var link = termLink(event.target);
    if (link && lastPointer !== "touch") show(link); // a tap is handled on click
  });
  document.addEventListener("focusout", function (event) {
    if (termLink(event.target) === shownFor) hideSoon();
  });
  document.addEventListener("keydown", function (event) {
    lastPointer = "keyboard";
    if (event.key === "Escape" && tip && !tip.hidden) hide();
  });
  document.addEventListener("click", function (event) {
    var link = termLink(event.target);
    if (link && lastPointer === "touch" && tapped !== link) {
      event.preventDefault(); // first tap: the definition; a second tap follows the link
      tapped = link;
      show(link);
    } else if (!link && tip && !tip.hidden && !tip.contains(event.target)) {
      hide();
    }
  });
  window.addEventListener("resize", function () { if (shownFor && tip && !tip.hidden) place(shownFor); });
})();

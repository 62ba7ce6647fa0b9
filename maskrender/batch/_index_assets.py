"""The style and the script of the review page (``index.html``), inlined in it: the page works offline,
from any folder, and loads nothing from elsewhere (its Content-Security-Policy says so)."""

from __future__ import annotations

__all__ = ["SCRIPT", "STYLE"]

STYLE = """
:root { color-scheme: light dark; --line: #8884; --muted: #666; --bad: #b3261e; --ok: #1b6e3a; }
@media (prefers-color-scheme: dark) { :root { --muted: #aaa; --bad: #ff8a80; --ok: #81c995; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
header, main { padding: 0.75rem 1rem; }
h1 { font-size: 1.3rem; margin: 0 0 0.25rem; }
header p { margin: 0.2rem 0; color: var(--muted); }
form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-bottom: 0.75rem; }
input[type=search] { font: inherit; padding: 0.4rem 0.6rem; min-width: 0; flex: 1 1 12rem; max-width: 32rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.4rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }
th { position: sticky; top: 0; background: Canvas; z-index: 1; }
th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0; cursor: pointer; color: inherit; }
th[aria-sort=ascending] button::after { content: " \\25B2"; }
th[aria-sort=descending] button::after { content: " \\25BC"; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td small { color: var(--muted); }
td.out { min-width: 14rem; }
td.out a, td.out > bdi { display: flex; gap: 0.5rem; align-items: center; }
td.out bdi { min-width: 0; overflow-wrap: anywhere; }
td.out img { flex: none; width: 80px; height: auto;
  background: repeating-conic-gradient(#8882 0 25%, transparent 0 50%) 0 0 / 12px 12px; }
.failed .st, .err { color: var(--bad); }
.done .st { color: var(--ok); }
td.msg { overflow-wrap: anywhere; min-width: 12rem; max-width: 40rem; }
tr[hidden] { display: none; }
@media (max-width: 700px) {
  thead { position: sticky; top: 0; }
  thead tr { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; background: Canvas; padding: 0.3rem 0; }
  th { position: static; border: 0; padding: 0; }
  table, tbody, tr, td { display: block; }
  tr { border-bottom: 2px solid var(--line); padding: 0.5rem 0; }
  td { border: 0; padding: 0.1rem 0; text-align: left; }
  td.num { text-align: left; }
  td:empty { display: none; }
  td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  td.out { min-width: 0; }
  td.out img { width: 120px; }
}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var table = document.getElementById("jobs");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var input = document.getElementById("filter");
  var shown = document.getElementById("shown");
  var collator = new Intl.Collator(undefined, {numeric: true, sensitivity: "base"});
  var keys = {};
  var texts = null;
  var state = {sort: "", order: "ascending", q: ""};

  function column(name) {
    for (var i = 0; i < heads.length; i++) { if (heads[i].getAttribute("data-key") === name) { return i; } }
    return -1;
  }
  function sortKeys(col) {           // read once per column, never per comparison
    if (!keys[col]) {
      var numeric = heads[col].getAttribute("data-type") === "number";
      keys[col] = rows.map(function (row) {
        var cell = row.cells[col];
        var v = cell.getAttribute("data-v");
        if (numeric) { return v === null || v === "" ? null : parseFloat(v); }
        return v !== null ? v : cell.textContent.trim();
      });
    }
    return keys[col];
  }
  function sort() {
    var col = column(state.sort);
    heads.forEach(function (h, i) { h.setAttribute("aria-sort", i === col ? state.order : "none"); });
    var order = rows.map(function (_, i) { return i; });
    if (col >= 0) {
      var k = sortKeys(col), sign = state.order === "descending" ? -1 : 1;
      var numeric = heads[col].getAttribute("data-type") === "number";
      order.sort(function (a, b) {
        var x = k[a], y = k[b];
        if (x === null || x === "" || y === null || y === "") {   // empty cells last, either way
          return (x === null || x === "") - (y === null || y === "") || a - b;
        }
        var c = numeric ? x - y : collator.compare(x, y);
        return c ? sign * c : a - b;
      });
    }
    var fragment = document.createDocumentFragment();
    order.forEach(function (i) { fragment.appendChild(rows[i]); });
    body.appendChild(fragment);
  }
  function filter() {
    var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    if (!texts) { texts = rows.map(function (row) { return row.textContent.toLowerCase(); }); }
    var n = 0;
    rows.forEach(function (row, i) {
      var keep = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      if (row.hidden === keep) { row.hidden = !keep; }
      n += keep ? 1 : 0;
    });
    shown.textContent = n + " of " + rows.length + " jobs shown";
  }
  function save() {
    var p = new URLSearchParams();
    if (state.sort) { p.set("sort", state.sort); p.set("order", state.order === "descending" ? "desc" : "asc"); }
    if (state.q) { p.set("q", state.q); }
    try { history.replaceState(null, "", "#" + p.toString()); } catch (e) { /* a file: URL may refuse */ }
  }
  function load() {
    var p = new URLSearchParams(location.hash.slice(1));
    state.sort = p.get("sort") || "";
    state.order = p.get("order") === "desc" ? "descending" : "ascending";
    state.q = p.get("q") || "";
    input.value = state.q;
    sort();
    filter();
  }
  heads.forEach(function (h) {
    var button = h.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var name = h.getAttribute("data-key");
      state.order = state.sort === name && state.order === "ascending" ? "descending" : "ascending";
      state.sort = name;
      sort();
      save();
    });
  });
  var timer = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = input.value.trim(); filter(); save(); }, 120);
  });
  document.getElementById("search").addEventListener("submit", function (e) { e.preventDefault(); });
  window.addEventListener("hashchange", load);
  load();
  document.documentElement.setAttribute("data-ready", "1");
})();
"""

/* KPI Advisor dashboard: draws the page's charts and helps page scripts talk to /ui/api.
 *
 * Charts: every element `.chart[data-spec=ID]` is drawn from the JSON block `<script type="application/json" id=ID>`
 * (or `.chart[data-spec-url=URL]`: fetched), with vega-embed (vendored, served by this server), the SVG renderer and
 * vega's AST expression interpreter. A drawn chart gets
 * `data-drawn="1"` (a failed one `data-drawn="error"`); when every chart of the page is settled, `<body>` gets
 * `data-charts-drawn="N"` (N charts) and `data-charts-ms` (milliseconds since navigation start). Tests and the
 * timing benchmark (benchmarks/ui_pages.py) wait on these attributes.
 *
 * kpiUi.postJSON(url, body) / kpiUi.getJSON(url): fetch with the session cookie and, for POST, the CSRF token of
 * `<meta name="csrf-token">` in the X-CSRF-Token header; a non-2xx answer throws an Error with the problem's detail.
 * kpiUi.draw(element, spec) draws one chart (e.g. after a fetch) and returns a promise.
 */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function failure(response) {
    return response.json().catch(function () { return {}; }).then(function (problem) {
      var err = new Error(problem.detail || problem.title || ("HTTP " + response.status));
      err.status = response.status; err.problem = problem; throw err;
    });
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : failure(r); });
  }
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body === undefined ? {} : body)
    }).then(function (r) { return r.ok ? r.json() : failure(r); });
  }
  function options() {
    var o = { actions: false, renderer: "svg" };
    if (window.vega && window.vega.expressionInterpreter) { o.ast = true; o.expr = window.vega.expressionInterpreter; }
    return o;
  }
  function draw(el, spec) {
    el.removeAttribute("data-drawn");
    return window.vegaEmbed(el, spec, options()).then(function (result) {
      el.setAttribute("data-drawn", "1"); return result;
    }, function (err) {
      el.setAttribute("data-drawn", "error"); el.textContent = String(err && err.message || err);
      if (window.console) console.error(err);
    });
  }
  function specOf(el) {
    if (el.dataset.specUrl) return getJSON(el.dataset.specUrl);
    var block = document.getElementById(el.dataset.spec);
    return Promise.resolve(block ? JSON.parse(block.textContent) : null);
  }
  function drawAll(root) {
    var els = Array.prototype.slice.call((root || document).querySelectorAll(".chart[data-spec], .chart[data-spec-url]"));
    return Promise.all(els.map(function (el) {
      return specOf(el).then(function (spec) { return spec ? draw(el, spec) : el.setAttribute("data-drawn", "error"); },
        function (err) { el.setAttribute("data-drawn", "error"); el.textContent = err.message; });
    })).then(function () {
      document.body.setAttribute("data-charts-ms", String(Math.round(performance.now())));
      document.body.setAttribute("data-charts-drawn", String(els.length));
    });
  }
  window.kpiUi = { csrf: csrf, getJSON: getJSON, postJSON: postJSON, draw: draw, drawAll: drawAll };
  function start() { drawAll(document); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

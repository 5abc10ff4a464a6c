/* Planner page (/ui/planner): keeps the plan (spend per channel; number inputs and sliders in step), forecasts it
 * through POST /ui/api/forecast (debounced; an answer to an older plan is dropped) and swaps in the results panel
 * and the charts the server built; "optimise" asks POST /ui/api/optimize for the split of the same budget;
 * the download link carries the plan to GET /ui/api/plan.yaml.
 * State for tests: #forecast[data-state] is "loading", "ready" or "error"; [data-plan] the JSON of the plan its
 * figures are for; #optimum[data-state] likewise.
 */
(function () {
  "use strict";
  var DEBOUNCE_MS = 300;
  var section = document.getElementById("plan");
  if (!section) return;
  var base = JSON.parse(document.getElementById("plan-base").textContent);
  var numbers = Array.prototype.slice.call(section.querySelectorAll("input.spend"));
  var sliders = {};
  Array.prototype.forEach.call(section.querySelectorAll("input.slider"), function (s) { sliders[s.dataset.channel] = s; });
  var forecastBox = document.getElementById("forecast");
  var errorBox = document.getElementById("plan-error");
  var download = document.getElementById("download");
  var optimum = document.getElementById("optimum");
  var timer = null, seq = 0;

  function plan() {
    var spend = {};
    numbers.forEach(function (el) { spend[el.dataset.channel] = el.value === "" ? NaN : Number(el.value); });
    return { start: section.dataset.start, end: section.dataset.end, spend: spend };
  }
  function fmt(x) { return Math.round(x).toLocaleString("en-US").replace(/,/g, "\u202f"); }
  function showError(msg) { errorBox.textContent = msg; errorBox.hidden = !msg; }
  function redraw(charts) {
    return Promise.all(Object.keys(charts).map(function (id) {
      var el = document.querySelector('.chart[data-spec="' + id + '"]') || document.getElementById(id + "-chart");
      return el ? window.kpiUi.draw(el, charts[id]) : null;
    }));
  }
  function update() {
    var p = plan(), mine = ++seq, total = 0;
    Object.keys(p.spend).forEach(function (k) { total += p.spend[k] || 0; });
    document.getElementById("plan-total").textContent = fmt(total);
    download.href = "/ui/api/plan.yaml?plan=" + encodeURIComponent(JSON.stringify(p));
    forecastBox.setAttribute("data-state", "loading");
    return window.kpiUi.postJSON("/ui/api/forecast", p).then(function (answer) {
      if (mine !== seq) return;
      showError("");
      document.getElementById("fc-results").innerHTML = answer.html;
      return redraw(answer.charts).then(function () {
        if (mine !== seq) return;
        forecastBox.setAttribute("data-plan", JSON.stringify(p));
        forecastBox.setAttribute("data-state", "ready");
      });
    }, function (err) {
      if (mine !== seq) return;
      showError(err.message);
      forecastBox.setAttribute("data-state", "error");
    });
  }
  function changed() {
    if (timer) clearTimeout(timer);
    forecastBox.setAttribute("data-state", "loading");
    timer = setTimeout(function () { timer = null; update(); }, DEBOUNCE_MS);
  }
  numbers.forEach(function (el) {
    el.addEventListener("input", function () {
      var s = sliders[el.dataset.channel];
      if (s && el.value !== "") { if (Number(el.value) > Number(s.max)) s.max = String(Number(el.value)); s.value = el.value; }
      changed();
    });
  });
  Object.keys(sliders).forEach(function (ch) {
    sliders[ch].addEventListener("input", function () {
      var el = numbers.filter(function (n) { return n.dataset.channel === ch; })[0];
      el.value = String(Math.round(Number(sliders[ch].value)));
      changed();
    });
  });
  document.getElementById("reset").addEventListener("click", function () {
    numbers.forEach(function (el) {
      el.value = String(Math.round(base.spend[el.dataset.channel] || 0));
      if (sliders[el.dataset.channel]) sliders[el.dataset.channel].value = el.value;
    });
    changed();
  });
  document.getElementById("optimise").addEventListener("click", function () {
    var p = plan();
    optimum.hidden = false;
    optimum.scrollIntoView({ block: "start" });
    optimum.setAttribute("data-state", "loading");
    document.getElementById("opt-results").textContent = "…";
    window.kpiUi.postJSON("/ui/api/optimize", p).then(function (answer) {
      document.getElementById("opt-results").innerHTML = answer.html;
      optimum.setAttribute("data-request", JSON.stringify(answer.request));
      return redraw(answer.charts).then(function () { optimum.setAttribute("data-state", "ready"); });
    }, function (err) {
      document.getElementById("opt-results").textContent = err.message;
      optimum.setAttribute("data-state", "error");
    });
  });
  var horizon = document.getElementById("horizon");
  if (horizon) horizon.addEventListener("change", function () { document.getElementById("horizon-form").submit(); });
})();

/* Models and data page, analyst controls (api/ui/pages/models.py; not loaded for a viewer).
 *
 * - Train: POST /ui/api/train {dataset, backtest}, then poll GET /ui/api/jobs/{id} every second, showing status,
 *   progress (0..1) and message until the job has finished; on success the page reloads to list the new version.
 * - Activate: POST /ui/api/models/{version}/activate, then reload (the table marks the served version).
 * - Upload: the form's files as multipart to POST /ui/api/datasets (X-CSRF-Token header); a refusal's problem+json
 *   `errors` ([{table, column, rows, rule, message}]) are shown as a table, every one of them.
 */
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("models-strings").textContent);
  var POLL_MS = 1000;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
  }

  // ---- training
  var trainForm = document.getElementById("train-form");
  var jobBox = document.getElementById("job");
  function showJob(job) {
    jobBox.hidden = false;
    jobBox.dataset.status = job.status;
    jobBox.dataset.job = job.id;
    document.getElementById("job-progress").value = job.progress || 0;
    document.getElementById("job-status").textContent =
      (S.status[job.status] || job.status) + " · " + Math.round(100 * (job.progress || 0)) + "%";
    document.getElementById("job-message").textContent = job.error || job.message || "";
  }
  function poll(id) {
    return window.kpiUi.getJSON("/ui/api/jobs/" + encodeURIComponent(id)).then(function (job) {
      showJob(job);
      if (job.status === "queued" || job.status === "running") {
        return new Promise(function (r) { setTimeout(r, POLL_MS); }).then(function () { return poll(id); });
      }
      if (job.status === "succeeded") {
        jobBox.dataset.version = (job.result && job.result.model_version) || "";
        setTimeout(function () { window.location.reload(); }, 600);
      } else {
        document.getElementById("train-start").disabled = false;
      }
      return job;
    });
  }
  if (trainForm) {
    trainForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = document.getElementById("train-start");
      button.disabled = true;
      var body = { backtest: document.getElementById("train-backtest").checked };
      var ds = document.getElementById("train-dataset");
      if (ds && ds.value) body.dataset = ds.value;
      window.kpiUi.postJSON("/ui/api/train", body).then(function (job) { showJob(job); return poll(job.id); })
        .catch(function (err) {
          showJob({ id: "", status: "failed", progress: 0, error: err.message });
          button.disabled = false;
        });
    });
  }

  // ---- activate / roll back
  Array.prototype.forEach.call(document.querySelectorAll("button.activate[data-version]"), function (b) {
    b.addEventListener("click", function () {
      b.disabled = true;
      window.kpiUi.postJSON("/ui/api/models/" + encodeURIComponent(b.dataset.version) + "/activate", {})
        .then(function () { window.location.reload(); }, function (err) {
          var box = document.getElementById("models-error");
          box.hidden = false; box.textContent = err.message; b.disabled = false;
        });
    });
  });

  // ---- upload
  var uploadForm = document.getElementById("upload-form");
  var result = document.getElementById("upload-result");
  function errorsTable(errors) {
    var wrap = el("div", "table-wrap");
    var table = el("table", "upload-errors");
    var head = el("tr");
    [S.table, S.column, S.rows, S.rule, S.message].forEach(function (h) { head.appendChild(el("th", null, h)); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody");
    errors.forEach(function (e) {
      var tr = el("tr");
      tr.dataset.table = e.table || "";
      tr.dataset.column = e.column || "";
      tr.dataset.rows = (e.rows || []).join(",");
      var where = e.loc ? e.loc.join(".") : "";
      [e.table || where || "—", e.column || "—", (e.rows || []).join(", ") || "—", e.rule || e.type || "—",
        e.message || e.msg || ""].forEach(function (v, i) {
        tr.appendChild(el("td", i === 2 ? "rows" : null, v));
      });
      body.appendChild(tr);
    });
    table.appendChild(body); wrap.appendChild(table);
    return wrap;
  }
  if (uploadForm) {
    uploadForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = document.getElementById("upload-send");
      button.disabled = true;
      result.textContent = "";
      result.removeAttribute("data-outcome");
      var data = new FormData();
      Array.prototype.forEach.call(document.getElementById("upload-files").files, function (f) {
        data.append("files", f, f.name);
      });
      var id = document.getElementById("upload-id").value.trim();
      if (id) data.append("dataset_id", id);
      fetch("/ui/api/datasets", {
        method: "POST", credentials: "same-origin", body: data,
        headers: { Accept: "application/json", "X-CSRF-Token": window.kpiUi.csrf }
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (doc) { return { ok: r.ok, status: r.status, doc: doc }; });
      }).then(function (answer) {
        var doc = answer.doc;
        if (answer.ok) {
          var tables = Object.keys(doc.tables || {}).map(function (k) { return k + " (" + doc.tables[k] + ")"; }).join(", ");
          result.dataset.outcome = "ok";
          result.appendChild(el("p", null, fill(S.uploaded, { id: doc.id, tables: tables })));
          setTimeout(function () { window.location.reload(); }, 800);
          return;
        }
        result.dataset.outcome = "refused";
        result.dataset.status = String(answer.status);
        result.appendChild(el("p", "error", S.failed + " " + (doc.detail || doc.title || ("HTTP " + answer.status))));
        var errors = (doc.errors || []).slice();
        if (!errors.length && doc.table) errors = [{ table: doc.table, column: doc.column, rule: doc.rule, message: doc.detail }];
        if (errors.length) result.appendChild(errorsTable(errors));
      }, function (err) {
        result.dataset.outcome = "refused";
        result.appendChild(el("p", "error", S.failed + " " + err.message));
      }).then(function () { button.disabled = false; });
    });
  }
})();

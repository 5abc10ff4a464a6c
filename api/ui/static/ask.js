/* Ask page: the advisor as a chat box (api/ui/pages/ask.py).
 *
 * Submitting the form posts {question} to /ui/api/ask (kpiUi.postJSON: session cookie + CSRF header) and appends the
 * exchange to the conversation: the question, the answer's narrative, its recommended actions and the analyses it
 * ran (each a collapsible <details> with its parameters and result). The conversation stays on the page and in
 * sessionStorage (per workspace, this tab only), so switching the language or reloading keeps it; "Clear" forgets it.
 * Text is set with textContent only (answers may quote data values).
 */
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  if (!chat) return;
  var S = JSON.parse(document.getElementById("ask-strings").textContent);
  var list = document.getElementById("conversation");
  var form = document.getElementById("ask-form");
  var input = document.getElementById("question");
  var send = document.getElementById("ask-send");
  var storeKey = "kpia-ask-" + (chat.dataset.workspace || "");
  var MAX_RESULT_CHARS = 6000;
  var history = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function num(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    return new Intl.NumberFormat(S.lang === "ru" ? "ru-RU" : "en-US", { maximumFractionDigits: digits }).format(v);
  }
  function load() {
    try { history = JSON.parse(sessionStorage.getItem(storeKey) || "[]") || []; } catch (e) { history = []; }
  }
  function save() {
    try { sessionStorage.setItem(storeKey, JSON.stringify(history.slice(-20))); } catch (e) { /* quota: keep on page */ }
  }

  function questionItem(text) {
    var li = el("li", "msg question");
    li.appendChild(el("div", "who-said", S.you));
    li.appendChild(el("p", "text", text));
    return li;
  }
  function actionsBlock(recs) {
    var box = el("div", "actions");
    box.appendChild(el("h3", null, S.actions));
    if (!recs || !recs.length) { box.appendChild(el("p", "muted small actions-none", S.actions_none)); return box; }
    var ol = el("ol", "action-list");
    recs.forEach(function (r) {
      var li = el("li", "action");
      li.dataset.id = r.id || "";
      li.appendChild(el("strong", "action-text", r.action));
      if (r.rationale) li.appendChild(el("div", "muted small", r.rationale));
      var meta = el("div", "small action-meta");
      if (r.expected_impact !== null && r.expected_impact !== undefined) {
        meta.appendChild(el("span", null, S.impact + ": " + (r.impact_text || (num(r.expected_impact, 0) + " " + (r.impact_kpi || "")))));
      }
      if (r.confidence !== null && r.confidence !== undefined) {
        meta.appendChild(el("span", null, S.confidence + ": " + num(100 * r.confidence, 0) + "%"));
      }
      li.appendChild(meta);
      ol.appendChild(li);
    });
    box.appendChild(ol);
    return box;
  }
  function analysesBlock(analyses) {
    var box = el("div", "analyses");
    if (!analyses || !analyses.length) return box;
    box.appendChild(el("h3", null, S.analyses));
    analyses.forEach(function (a) {
      var d = el("details", "analysis");
      d.dataset.name = a.name;
      var summary = el("summary", null, (S.names[a.name] || a.name) + " ");
      summary.appendChild(el("code", "muted small", a.name));
      d.appendChild(summary);
      var params = JSON.stringify(a.params || {});
      if (params !== "{}") {
        var p = el("p", "small");
        p.appendChild(el("span", "muted", S.params + ": "));
        p.appendChild(el("code", null, params));
        d.appendChild(p);
      }
      var text = JSON.stringify(a.result || {}, null, 1);
      if (text.length > MAX_RESULT_CHARS) text = text.slice(0, MAX_RESULT_CHARS) + "\n…";
      d.appendChild(el("pre", "result small", text));
      box.appendChild(d);
    });
    return box;
  }
  function answerItem(doc) {
    var li = el("li", "msg answer");
    li.dataset.lang = doc.lang || "";
    li.dataset.verified = String(!!doc.verified);
    li.appendChild(el("div", "who-said", S.advisor));
    var body = el("div", "narrative");
    String(doc.answer || "").split(/\n\s*\n/).forEach(function (para) {
      if (para.trim()) body.appendChild(el("p", null, para.trim()));
    });
    li.appendChild(body);
    li.appendChild(actionsBlock(doc.recommendations));
    li.appendChild(analysesBlock(doc.analyses));
    var src = doc.narrative_source === "llm" ? S.source_llm : S.source_template;
    li.appendChild(el("p", "muted small meta", src + " · " + (doc.verified ? S.verified : S.unverified)));
    return li;
  }
  function errorItem(message) {
    var li = el("li", "msg answer failed");
    li.appendChild(el("div", "who-said", S.advisor));
    li.appendChild(el("p", "error", S.failed + " " + message));
    return li;
  }
  function show(entry) {
    list.appendChild(questionItem(entry.question));
    list.appendChild(entry.error ? errorItem(entry.error) : answerItem(entry.answer));
  }

  function ask(question) {
    var pending = el("li", "msg answer pending", S.thinking);
    list.appendChild(questionItem(question));
    list.appendChild(pending);
    pending.scrollIntoView({ block: "nearest" });
    send.disabled = true;
    chat.setAttribute("aria-busy", "true");
    return window.kpiUi.postJSON("/ui/api/ask", { question: question }).then(function (doc) {
      var entry = { question: question, answer: doc };
      list.replaceChild(answerItem(doc), pending);
      history.push(entry); save();
    }, function (err) {
      list.replaceChild(errorItem(err.message), pending);
      history.push({ question: question, error: err.message }); save();
    }).then(function () {
      send.disabled = false;
      chat.removeAttribute("aria-busy");
      list.lastChild.scrollIntoView({ block: "nearest" });
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = input.value.trim();
    if (q.length < 3 || send.disabled) return;
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });
  Array.prototype.forEach.call(document.querySelectorAll("#examples [data-question]"), function (b) {
    b.addEventListener("click", function () { input.value = b.dataset.question; input.focus(); });
  });
  document.getElementById("ask-clear").addEventListener("click", function () {
    history = []; save(); list.textContent = "";
  });
  load();
  history.forEach(show);
})();

// The oversight page: calls /v1/oversight/refusals as the signed-in staff member (the session
// cookie goes with same-origin requests) or, where sign-in is off, with the key typed into the
// page (or given once as #key=… in the address, which is removed at once). Everything from the
// server is inserted as text, never as HTML.
(function () {
  "use strict";
  var KEY = "dxgate-oversight-key";
  var status = document.getElementById("status");
  var tbody = document.querySelector("#refusals tbody");
  var backlog = document.getElementById("backlog");

  if (location.hash.indexOf("#key=") === 0) {
    sessionStorage.setItem(KEY, decodeURIComponent(location.hash.slice(5)));
    history.replaceState(null, "", location.pathname + location.search);
  }
  var signedIn = false;
  function key() { return sessionStorage.getItem(KEY) || ""; }
  function auth(h) { if (key()) { h.Authorization = "Bearer " + key(); } return h; }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function when(ms) { return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC"; }

  function query() {
    var p = new URLSearchParams();
    var review = document.getElementById("f-review").value;
    var agency = document.getElementById("f-agency").value.trim();
    var just = document.getElementById("f-justification").value;
    if (review) { p.set("review", review); }
    if (agency) { p.set("agency", agency); }
    if (just) { p.set("justification", just); }
    return p.toString();
  }

  function reviewForm(r) {
    var f = el("form");
    var sel = el("select");
    sel.setAttribute("aria-label", "Verdict for " + r.request_id);
    [["upheld", "Uphold"], ["overturned", "Overturn"]].forEach(function (o) {
      var opt = el("option", o[1]); opt.value = o[0]; sel.appendChild(opt);
    });
    var note = el("textarea");
    note.rows = 2; note.cols = 28; note.required = true;
    note.setAttribute("aria-label", "Note for " + r.request_id);
    note.placeholder = "Why (required)";
    var btn = el("button", r.review ? "Revise verdict" : "Record verdict");
    btn.type = "submit";
    f.appendChild(sel); f.appendChild(note); f.appendChild(btn);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      fetch("/v1/oversight/refusals/" + encodeURIComponent(r.request_id) + "/review", {
        method: "POST",
        headers: auth({ "Content-Type": "application/json" }),
        body: JSON.stringify({ verdict: sel.value, note: note.value, revise: !!r.review })
      }).then(function (resp) {
        return resp.json().then(function (body) {
          if (!resp.ok) { throw new Error(body.detail || resp.statusText); }
          load();
        });
      }).catch(function (e) { status.textContent = "Not recorded: " + e.message; });
    });
    return f;
  }

  function row(r, canReview) {
    var tr = el("tr");
    tr.appendChild(el("td", when(r.ts_ms)));
    var ad = el("td");
    ad.appendChild(el("strong", (r.agency || "?") + "/" + (r.dataset || "?")));
    ad.appendChild(el("div", "Request " + r.request_id, "muted"));
    tr.appendChild(ad);
    var c = el("td", r.consumer || "—");
    c.appendChild(el("div", r.purpose || "", "muted"));
    tr.appendChild(c);
    var j = el("td");
    var js = r.justification || {};
    j.appendChild(el("strong", js.status === "justified" ? "Justified" : "Unjustified"));
    if (js.legal_basis) { j.appendChild(el("div", "Legal basis: " + js.legal_basis)); }
    if (js.reason) { j.appendChild(el("div", "Reason: " + js.reason)); }
    if (js.decided_by) { j.appendChild(el("div", "Decided by " + js.decided_by, "muted")); }
    tr.appendChild(j);
    tr.appendChild(el("td", when(r.review_due_ms) + (r.overdue ? " (overdue)" : ""), r.overdue ? "overdue" : ""));
    var rv = el("td");
    if (r.review) {
      rv.appendChild(el("span", r.review.verdict, "verdict-" + r.review.verdict));
      rv.appendChild(el("div", r.review.note));
      rv.appendChild(el("div", "by " + r.review.reviewer + ", " + when(r.review.reviewed_ms), "muted"));
      if (r.history.length > 1) { rv.appendChild(el("div", (r.history.length - 1) + " earlier verdict(s) kept in the history", "muted")); }
    } else {
      rv.appendChild(el("span", "Not yet reviewed"));
    }
    if (canReview) { rv.appendChild(reviewForm(r)); }
    tr.appendChild(rv);
    return tr;
  }

  function load() {
    tbody.textContent = "";
    backlog.textContent = "";
    if (!key() && !signedIn) { return; }
    status.textContent = "Loading…";
    fetch("/v1/oversight/refusals?" + query(), { headers: auth({}) })
      .then(function (resp) {
        return resp.json().then(function (body) {
          if (!resp.ok) { throw new Error(body.detail || resp.statusText); }
          return body;
        });
      })
      .then(function (body) {
        body.refusals.forEach(function (r) { tbody.appendChild(row(r, body.can_review)); });
        backlog.textContent = body.backlog.unreviewed + " refusal(s) not yet reviewed, " +
          body.backlog.overdue + " overdue (review within " + body.review_within_days + " days).";
        status.textContent = body.refusals.length + " refusal(s) shown.";
      })
      .catch(function (e) { status.textContent = "Could not load refusals: " + e.message; });
  }

  document.getElementById("key-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, document.getElementById("key").value.trim());
    document.getElementById("key").value = "";
    load();
  });
  document.getElementById("filter").addEventListener("submit", function (ev) { ev.preventDefault(); load(); });

  // Staff sign-in: when the gateway has it, the page signs in instead of asking for a key.
  fetch("/auth/session").then(function (r) { return r.json(); }).then(function (s) {
    if (!s.sign_in) { return; }
    document.getElementById("sign-in").hidden = false;
    document.getElementById("key-section").hidden = true;
    if (s.signed_in) {
      signedIn = true;
      document.getElementById("who").textContent = "Signed in as " + s.name + " (" + s.consumer + ", " +
        s.roles.join(", ") + (s.agency ? ", agency " + s.agency : "") + ").";
      document.getElementById("sign-in-link").hidden = true;
      document.getElementById("sign-out").hidden = false;
    } else {
      status.textContent = "Sign in to see the refusals your role allows.";
    }
  }).catch(function () {}).then(function () { if (key() || signedIn) { load(); } });
})();

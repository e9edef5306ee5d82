//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ADMIN_IMPL_ADMIN_PAGE_IPP
#define HOOKBOX_ADMIN_IMPL_ADMIN_PAGE_IPP

// The status page: one self-contained HTML document (inline CSS and script, nothing fetched from
// elsewhere) that reads the admin API with the token it was opened with. It shows the counters
// (read every 2 s), the failing endpoints with their enable and disable buttons, and the dead
// letters per webhook with a replay button. Element ids are stable:
//   count-pending, count-in_flight, count-success, count-failed, count-dead, count-total,
//   oldest-pending, endpoints-body, dead-groups-body, dead-list-body, message, last-update;
// buttons carry data-action (replay, disable, enable) and data-webhook.
// Data from the outbox is written as text (textContent), never as markup.

#include <string_view>

namespace hookbox::admin_detail {

inline constexpr std::string_view page_text = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hookbox status</title>
<style>
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --line: #d0d7de; --dim: #57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 10px 20px; display: flex; align-items: baseline; gap: 16px; }
header h1 { font-size: 18px; margin: 0; }
header span { color: #c9d1d9; font-size: 12px; }
main { padding: 16px 20px; max-width: 1200px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 16px; padding: 12px 16px; }
h2 { font-size: 15px; margin: 0 0 10px; }
.counters { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; }
.counter { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.counter .label { color: var(--dim); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.counter .value { font-size: 26px; font-variant-numeric: tabular-nums; font-weight: 600; }
.counter.success .value { color: var(--ok); }
.counter.dead .value { color: var(--bad); }
.counter.pending .value { color: var(--warn); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--dim); font-weight: 600; font-size: 12px; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.err { color: var(--dim); max-width: 420px; overflow-wrap: anywhere; }
.state { font-weight: 600; }
.state.disabled, .state.open { color: var(--bad); }
.state.failing { color: var(--warn); }
.state.healthy { color: var(--ok); }
button { font: inherit; padding: 2px 10px; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; cursor: pointer; }
button:hover { background: #eaeef2; }
button.primary { background: #1f883d; color: #fff; border-color: #1a7f37; }
button.danger { color: var(--bad); }
.empty { color: var(--dim); font-style: italic; }
#message { min-height: 1.4em; color: var(--dim); }
#message.error { color: var(--bad); }
code { font-size: 12px; }
</style>
</head>
<body>
<header><h1>hookbox</h1><span id="last-update">connecting&hellip;</span></header>
<main>
<p id="message" role="status"></p>
<section>
<h2>Deliveries</h2>
<div class="counters">
<div class="counter pending"><div class="label">pending</div><div class="value" id="count-pending">&ndash;</div></div>
<div class="counter"><div class="label">in flight</div><div class="value" id="count-in_flight">&ndash;</div></div>
<div class="counter success"><div class="label">delivered</div><div class="value" id="count-success">&ndash;</div></div>
<div class="counter"><div class="label">failed</div><div class="value" id="count-failed">&ndash;</div></div>
<div class="counter dead"><div class="label">dead</div><div class="value" id="count-dead">&ndash;</div></div>
<div class="counter"><div class="label">total</div><div class="value" id="count-total">&ndash;</div></div>
<div class="counter"><div class="label">oldest pending</div><div class="value" id="oldest-pending">&ndash;</div></div>
</div>
</section>
<section>
<h2>Failing endpoints</h2>
<table><thead><tr><th>webhook</th><th>state</th><th class="num">dead</th><th class="num">retrying</th>
<th>last error</th><th>last failure</th><th></th></tr></thead>
<tbody id="endpoints-body"><tr><td colspan="7" class="empty">loading&hellip;</td></tr></tbody></table>
</section>
<section>
<h2>Dead letters</h2>
<table><thead><tr><th>webhook</th><th class="num">dead</th><th>last error</th><th></th></tr></thead>
<tbody id="dead-groups-body"><tr><td colspan="4" class="empty">loading&hellip;</td></tr></tbody></table>
<h2 style="margin-top:14px">First dead deliveries</h2>
<table><thead><tr><th>id</th><th>webhook</th><th>event</th><th class="num">attempts</th><th class="num">code</th><th>error</th><th>updated</th></tr></thead>
<tbody id="dead-list-body"></tbody></table>
</section>
</main>
<script>
"use strict";
(function () {
  var params = new URLSearchParams(location.search);
  if (params.has("token")) {
    sessionStorage.setItem("hookbox-token", params.get("token"));
    params.delete("token");
    var rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
  }
  var token = sessionStorage.getItem("hookbox-token") || "";
  var base = location.pathname.replace(/\/+$/, "");
  var busy = false;

  function el(id) { return document.getElementById(id); }
  function say(text, isError) { var m = el("message"); m.textContent = text; m.className = isError ? "error" : ""; }
  function cell(row, text, cls) { var td = document.createElement("td"); td.textContent = text == null ? "" : String(text); if (cls) td.className = cls; row.appendChild(td); return td; }
  function button(label, action, webhook, cls) {
    var b = document.createElement("button"); b.type = "button"; b.textContent = label;
    b.setAttribute("data-action", action); b.setAttribute("data-webhook", webhook); if (cls) b.className = cls; return b;
  }
  function empty(body, cols, text) {
    body.textContent = ""; var tr = document.createElement("tr"); var td = cell(tr, text, "empty"); td.colSpan = cols; body.appendChild(tr);
  }
  function age(ms) {
    if (ms == null) return "none";
    if (ms < 1000) return ms + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    if (ms < 3600000) return (ms / 60000).toFixed(1) + " min";
    return (ms / 3600000).toFixed(1) + " h";
  }

  function api(method, path, body) {
    var init = { method: method, headers: { "Authorization": "Bearer " + token }, cache: "no-store" };
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(base + path, init).then(function (r) {
      return r.text().then(function (t) {
        var v = null; try { v = t ? JSON.parse(t) : null; } catch (e) { v = null; }
        if (!r.ok) {
          var msg = v && v.error ? v.error.message : ("HTTP " + r.status);
          throw new Error(r.status === 401 ? "the token was refused; open the page's link again" : msg);
        }
        return v;
      });
    });
  }

  function showStats(s) {
    ["pending", "in_flight", "success", "failed", "dead"].forEach(function (k) { el("count-" + k).textContent = String(s.counts[k]); });
    el("count-total").textContent = String(s.total);
    el("oldest-pending").textContent = age(s.oldest_pending_age_ms);
  }

  function showEndpoints(list) {
    var body = el("endpoints-body"); var groups = el("dead-groups-body");
    var failing = list.endpoints.filter(function (e) { return e.state !== "healthy" || e.dead > 0 || e.retrying > 0; });
    if (!failing.length) empty(body, 7, "no failing endpoint"); else {
      body.textContent = "";
      failing.forEach(function (e) {
        var tr = document.createElement("tr"); tr.setAttribute("data-webhook", e.webhook_id);
        cell(tr, e.webhook_id);
        cell(tr, e.state + (e.disabled && e.disabled_reason ? " (" + e.disabled_reason + ")" : ""), "state " + e.state);
        cell(tr, e.dead, "num"); cell(tr, e.retrying, "num"); cell(tr, e.last_error || "", "err"); cell(tr, e.last_failed_at || "");
        var td = cell(tr, "");
        if (list.control !== "none")
          td.appendChild(e.disabled ? button("enable", "enable", e.webhook_id, "primary") : button("disable", "disable", e.webhook_id, "danger"));
        body.appendChild(tr);
      });
    }
    var dead = list.endpoints.filter(function (e) { return e.dead > 0; });
    if (!dead.length) empty(groups, 4, "no dead letters"); else {
      groups.textContent = "";
      dead.forEach(function (e) {
        var tr = document.createElement("tr"); tr.setAttribute("data-webhook", e.webhook_id);
        cell(tr, e.webhook_id); cell(tr, e.dead, "num dead-count"); cell(tr, e.last_error || "", "err");
        cell(tr, "").appendChild(button("replay " + e.dead, "replay", e.webhook_id, "primary"));
        groups.appendChild(tr);
      });
    }
  }

  function showDead(page) {
    var body = el("dead-list-body");
    if (!page.items.length) { empty(body, 7, "none"); return; }
    body.textContent = "";
    page.items.forEach(function (d) {
      var tr = document.createElement("tr");
      cell(tr, d.id).className = "id"; cell(tr, d.webhook_id); cell(tr, d.event_type + " " + d.event_id);
      cell(tr, d.attempts, "num"); cell(tr, d.response_code == null ? "-" : d.response_code, "num");
      cell(tr, d.error || "", "err"); cell(tr, d.updated_at);
      body.appendChild(tr);
    });
  }

  function refresh() {
    if (busy) return Promise.resolve();
    busy = true;
    return Promise.all([api("GET", "/stats"), api("GET", "/endpoints"), api("GET", "/deliveries?status=dead&limit=50")])
      .then(function (r) {
        showStats(r[0]); showEndpoints(r[1]); showDead(r[2]);
        el("last-update").textContent = "updated " + new Date().toLocaleTimeString();
        document.body.setAttribute("data-loaded", "true");
      })
      .catch(function (e) { say(e.message, true); })
      .then(function () { busy = false; });
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button[data-action]") : null;
    if (!b) return;
    var w = b.getAttribute("data-webhook"); var action = b.getAttribute("data-action");
    var call;
    if (action === "replay") call = api("POST", "/replay", { status: "dead", webhook_id: w }).then(function (r) { return "replayed " + r.replayed + " dead deliveries of " + w; });
    else if (action === "disable") call = api("POST", "/endpoints/" + encodeURIComponent(w) + "/disable", { reason: "disabled from the status page" }).then(function () { return "disabled " + w; });
    else call = api("POST", "/endpoints/" + encodeURIComponent(w) + "/enable").then(function () { return "enabled " + w; });
    b.disabled = true;
    call.then(function (text) { say(text, false); }, function (e) { say(e.message, true); })
      .then(function () { busy = false; return refresh(); });
  });

  if (!token) { say("No token: open the page with the link the program printed (?token=...).", true); return; }
  refresh();
  setInterval(refresh, 2000);
})();
</script>
</body>
</html>
)html";

}  // namespace hookbox::admin_detail

#endif  // HOOKBOX_ADMIN_IMPL_ADMIN_PAGE_IPP

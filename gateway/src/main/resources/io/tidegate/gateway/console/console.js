// Tidegate console: renders /api/events (server-sent events; falls back to polling /api/state)
// and polls /api/alerts. Every value is written with textContent, never as HTML: topic and
// client names come from clients.
"use strict";

const STATE_CLASS = {
  up: "ok", gone: "bad", ok: "ok", stalled: "bad", no_credit: "warn",
  closed: "ok", open: "bad", half_open: "warn", forced_open: "bad", disabled: "warn", metrics_only: "info",
  firing: "bad", pending: "warn", resolved: "ok",
  done: "ok", ended: "info", failed: "bad", rate_limited: "warn", "reported, not fixed": "warn",
  info: "info", warning: "warn", critical: "bad", page: "bad",
};

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function badge(text) {
  return el("span", text.replace("_", " "), "badge " + (STATE_CLASS[text] || ""));
}

function num(v, digits) {
  if (v === null || v === undefined || v < 0) return "–";
  return Number(v).toLocaleString("en-US", { maximumFractionDigits: digits ?? 0, minimumFractionDigits: digits ?? 0 });
}

function cell(tr, content, numeric, attr) {
  const td = el("td", null, numeric ? "num" : "");
  if (content instanceof Node) td.appendChild(content); else td.textContent = content;
  if (attr) td.dataset.field = attr;
  tr.appendChild(td);
  return td;
}

function fill(tableId, rows, render, empty) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren();
  if (rows.length === 0 && empty) {
    const tr = el("tr");
    const td = el("td", empty, "note");
    td.colSpan = document.querySelectorAll("#" + tableId + " thead th").length;
    tr.appendChild(td);
    body.appendChild(tr);
  }
  rows.forEach((r) => body.appendChild(render(r)));
}

function render(s) {
  document.getElementById("gateway").textContent = s.gatewayId + " · v" + s.version;
  document.getElementById("backend").textContent = "backend: " + s.backend;
  const ready = document.getElementById("readiness");
  ready.textContent = s.readiness;
  ready.className = "badge " + (!s.ready ? "bad" : s.readiness === "ready" ? "ok" : "warn");
  const taken = document.getElementById("taken");
  taken.textContent = "updated " + new Date(s.takenMillis).toLocaleTimeString();
  taken.dataset.millis = s.takenMillis;

  fill("replicas", s.replicas, (r) => {
    const tr = el("tr");
    tr.dataset.replica = r.gatewayId;
    tr.dataset.state = r.state;
    cell(tr, r.gatewayId + (r.self ? " (this one)" : ""));
    cell(tr, r.version);
    cell(tr, num(r.lastSeenAgeSeconds, 1), true);
    cell(tr, badge(r.state), false, "state");
    return tr;
  });

  const topics = document.querySelector("#topics tbody");
  topics.replaceChildren();
  let group = null;
  s.topics.forEach((t) => {
    const key = t.kind + (t.venue ? "." + t.venue : "");
    if (key !== group) {
      group = key;
      const g = el("tr", null, "group");
      const td = el("td", key);
      td.colSpan = 7;
      g.appendChild(td);
      topics.appendChild(g);
    }
    const tr = el("tr");
    tr.dataset.topic = t.topic;
    cell(tr, t.instrument || t.topic);
    cell(tr, num(t.inPerSecond, 1), true, "inRate");
    cell(tr, num(t.outPerSecond, 1), true, "outRate");
    cell(tr, num(t.inTotal), true, "inTotal");
    cell(tr, num(t.outTotal), true, "outTotal");
    cell(tr, num(t.lastMessageAgeSeconds, 1), true, "age");
    cell(tr, t.regime ? badge(t.regime) : "");
    topics.appendChild(tr);
  });
  if (s.topics.length === 0) {
    const tr = el("tr");
    const td = el("td", "no messages yet", "note");
    td.colSpan = 7;
    tr.appendChild(td);
    topics.appendChild(tr);
  }

  fill("groups", s.groups, (g) => {
    const tr = el("tr");
    tr.dataset.group = g.group;
    cell(tr, g.group);
    cell(tr, num(g.lag), true, "lag");
    cell(tr, num(g.pending), true, "pending");
    cell(tr, num(g.redeliveries), true, "redeliveries");
    cell(tr, num(g.members), true);
    return tr;
  }, "no consumer groups");

  fill("lanes", s.lanes, (l) => {
    const tr = el("tr");
    tr.dataset.lane = l.priority;
    cell(tr, l.priority);
    cell(tr, num(l.depth), true, "depth");
    cell(tr, num(l.perSecond, 1), true);
    cell(tr, num(l.meanDelayMillis, 3), true);
    cell(tr, num(l.oldestWaitMillis, 3), true);
    return tr;
  });
  document.getElementById("workers").textContent = "dispatch workers: " + s.busyWorkers + " busy of " + s.workers;

  fill("subscribers", s.subscribers, (u) => {
    const tr = el("tr");
    tr.dataset.subscription = u.subscription;
    tr.dataset.client = u.client;
    tr.dataset.state = u.state;
    cell(tr, u.client || u.sessionId);
    cell(tr, u.subscription);
    cell(tr, u.patterns);
    cell(tr, u.group || "–");
    cell(tr, num(u.credit), true);
    cell(tr, num(u.backlog), true, "backlog");
    cell(tr, num(u.backlogBytes / 1024, 1), true);
    cell(tr, num(u.outPerSecond, 1), true);
    cell(tr, num(u.idleSeconds, 1), true);
    cell(tr, badge(u.state), false, "state");
    return tr;
  }, "no subscriptions");

  fill("publishers", s.publishers, (p) => {
    const tr = el("tr");
    tr.dataset.client = p.client;
    cell(tr, p.client || p.sessionId);
    cell(tr, num(p.published), true, "published");
    cell(tr, num(p.perSecond, 1), true);
    cell(tr, num(p.connectedSeconds, 0), true);
    return tr;
  }, "no publishers");

  fill("breakers", s.breakers, (b) => {
    const tr = el("tr");
    tr.dataset.breaker = b.name;
    cell(tr, b.name);
    cell(tr, badge(b.state), false, "state");
    return tr;
  }, "no circuit breakers (" + s.backend + " backend)");
  const spool = s.spool;
  document.getElementById("spool").textContent = spool.present
    ? "disk spool: " + num(spool.bytes / 1048576, 1) + " MiB of " + num(spool.maxBytes / 1048576, 0) + " MiB ("
      + num(spool.usedPercent, 1) + " %), " + num(spool.pending) + " messages waiting for replay"
    : "no disk spool (" + s.backend + " backend)";
  const bar = document.getElementById("spool-bar");
  bar.style.width = Math.min(100, spool.usedPercent) + "%";
  bar.style.background = spool.usedPercent >= 90 ? "var(--bad)" : spool.usedPercent >= 50 ? "var(--warn)" : "var(--ok)";

  const i = s.intelligence;
  document.getElementById("regimes").textContent = i.regimesEnabled
    ? "regime detection: " + num(i.instruments) + " instruments tracked" : "regime detection is off (intelligence.regime.enabled)";
  fill("regime-changes", i.regimesEnabled ? Object.entries(i.regimeChanges) : [], ([name, n]) => {
    const tr = el("tr");
    cell(tr, name);
    cell(tr, num(n), true);
    return tr;
  });
  document.getElementById("arbitrage").textContent = i.arbitrageEnabled
    ? "arbitrage signals: " + num(i.arbitrageSignals) + " (" + num(i.arbitragePerSecond, 1) + " per second)"
    : "arbitrage detection is off (intelligence.arbitrage.enabled)";

  fill("remediation", s.remediation || [], (r) => {
    const tr = el("tr");
    tr.dataset.action = r.action;
    cell(tr, num(r.ageSeconds, 0), true);
    cell(tr, r.action);
    cell(tr, badge(r.outcome === "reported" ? "reported, not fixed" : r.outcome), false, "outcome");
    cell(tr, r.target);
    cell(tr, r.reason);
    return tr;
  }, "no remediation actions");
}

function setLink(text, cls) {
  const link = document.getElementById("link");
  link.textContent = text;
  link.className = "badge " + cls;
}

let polling = null;

function poll() {
  fetch("api/state", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
    .then((s) => { render(s); setLink("polling", "warn"); })
    .catch(() => setLink("offline", "bad"));
}

function connect() {
  if (!window.EventSource) {
    polling = setInterval(poll, 1000);
    return;
  }
  const events = new EventSource("api/events");
  events.addEventListener("state", (e) => {
    render(JSON.parse(e.data));
    setLink("live", "ok");
    if (polling) { clearInterval(polling); polling = null; }
  });
  events.onerror = () => {
    // the browser reconnects by itself; poll meanwhile (e.g. when console.max-clients is reached)
    setLink("reconnecting", "warn");
    if (!polling) polling = setInterval(poll, 2000);
  };
}

function renderAlerts(alerts) {
  document.getElementById("alerts-note").textContent = alerts.length === 0 ? "no alerts" : "";
  fill("alerts", alerts, (a) => {
    const tr = el("tr");
    tr.dataset.alert = a.id;
    tr.dataset.state = a.state;
    cell(tr, badge(a.severity));
    const labels = Object.entries(a.labels || {}).map(([k, v]) => k + "=" + v).join(", ");
    cell(tr, a.name + (labels ? " {" + labels + "}" : ""));
    cell(tr, badge(a.state), false, "state");
    cell(tr, a.since ? new Date(a.since).toLocaleTimeString() : "");
    // a firing alert whose condition stopped holding resolves only after its resolve-after
    const resolving = a.resolvingSince ? " (not holding since " + new Date(a.resolvingSince).toLocaleTimeString() + ")" : "";
    cell(tr, (a.summary || "") + resolving);
    const td = cell(tr, "", false, "ack");
    if (a.acknowledged) {
      td.textContent = "acknowledged" + (a.acknowledgedBy ? " by " + a.acknowledgedBy : "");
    } else if (a.state !== "resolved") {
      const b = el("button", "Ack");
      b.dataset.ack = a.id;
      b.onclick = () => fetch("api/alerts/" + encodeURIComponent(a.id) + "/ack", { method: "POST" }).then(pollAlerts);
      td.appendChild(b);
    }
    return tr;
  });
}

function pollAlerts() {
  return fetch("api/alerts", { cache: "no-store" })
    .then((r) => {
      if (r.status === 404) {
        document.getElementById("alerts-note").textContent = "alerts are not configured";
        document.querySelector("#alerts tbody").replaceChildren();
        return null;
      }
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json().then((body) => renderAlerts(body.alerts || []));
    })
    .catch((e) => { document.getElementById("alerts-note").textContent = "alerts unavailable: " + e.message; });
}

connect();
pollAlerts();
setInterval(pollAlerts, 2000);

// The dashboard: plain JavaScript over the admin REST API (/api/v1/admin), refreshed every few seconds.
"use strict";

// location.origin, not a relative URL: a page opened as http://user:pass@host/ may not fetch URLs with credentials in them
const api = location.origin + "/api/v1/admin";
const state = { page: 0, filters: new URLSearchParams(), current: null };

const el = (id) => document.getElementById(id);
const text = (value) => (value === null || value === undefined ? "" : String(value));
const when = (instant) => (instant ? new Date(instant).toLocaleString() : "");

function cell(row, value, className) {
  const td = row.insertCell();
  td.textContent = text(value);
  if (className) td.className = className;
  return td;
}

async function get(path) {
  const response = await fetch(api + path, { credentials: "same-origin" });
  if (!response.ok) throw new Error((await response.json()).detail || response.statusText);
  return response.json();
}

// Every action carries the CSRF token: the server sets it as the XSRF-TOKEN cookie, a forged request from
// another site cannot read it.
const session = { csrfHeader: "X-XSRF-TOKEN" };
const cookie = (name) => document.cookie.split("; ").find((c) => c.startsWith(name + "="))?.slice(name.length + 1);

async function post(path, reason) {
  const response = await fetch(api + path, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", [session.csrfHeader]: decodeURIComponent(cookie("XSRF-TOKEN") || "") },
    body: JSON.stringify({ reason }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body;
}

async function showOverview() {
  const overview = await get("/overview");
  const cards = el("cards");
  cards.replaceChildren();
  const card = (label, value, alert, id) => {
    const div = document.createElement("div");
    div.className = "card" + (alert ? " alert" : "");
    if (id) div.id = id;
    div.innerHTML = `<div class="label"></div><div class="value"></div>`;
    div.querySelector(".label").textContent = label;
    div.querySelector(".value").textContent = value;
    cards.append(div);
  };
  card("in doubt", overview.inDoubt, overview.inDoubt > 0, "in-doubt-count");
  card("oldest in doubt", overview.oldestInDoubtSeconds === null ? "-" : overview.oldestInDoubtSeconds + " s", overview.inDoubt > 0);
  for (const [name, count] of Object.entries(overview.counts)) card(name.toLowerCase(), count, false);
  drawChart(overview.throughput);
  const body = el("participants").tBodies[0];
  body.replaceChildren();
  for (const participant of overview.participants) {
    const row = body.insertRow();
    cell(row, participant.name);
    cell(row, participant.circuitBreaker, participant.circuitBreaker === "CLOSED" ? "" : "heuristic");
    cell(row, participant.unfinishedBranches);
    cell(row, participant.lastError);
    cell(row, when(participant.lastErrorAt));
  }
}

function drawChart(minutes) {
  const width = 600, height = 120, barWidth = width / minutes.length;
  const top = Math.max(1, ...minutes.map((m) => m.committed + m.aborted));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height + 16);
  minutes.forEach((minute, i) => {
    let y = height;
    for (const [count, cls] of [[minute.committed, "bar-committed"], [minute.aborted, "bar-aborted"]]) {
      const h = (count / top) * height;
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", i * barWidth + 2);
      rect.setAttribute("y", y - h);
      rect.setAttribute("width", barWidth - 4);
      rect.setAttribute("height", h);
      rect.setAttribute("class", cls);
      const title = document.createElementNS(ns, "title");
      title.textContent = `${new Date(minute.minute).toLocaleTimeString()}: ${minute.committed} committed, ${minute.aborted} aborted`;
      rect.append(title);
      svg.append(rect);
      y -= h;
    }
  });
  const legend = document.createElementNS(ns, "text");
  legend.setAttribute("x", 0);
  legend.setAttribute("y", height + 14);
  legend.setAttribute("font-size", "11");
  legend.textContent = "green: committed, orange: aborted; one bar per minute, now on the right";
  svg.append(legend);
  el("chart").replaceChildren(svg);
}

async function showList() {
  const query = new URLSearchParams(state.filters);
  query.set("page", state.page);
  query.set("size", 50);
  const page = await get("/transactions?" + query);
  const body = el("list").tBodies[0];
  body.replaceChildren();
  for (const tx of page.items) {
    const row = body.insertRow();
    if (tx.inDoubt) row.className = "in-doubt";
    const link = document.createElement("a");
    link.href = "#tx/" + tx.id;
    link.textContent = tx.id;
    row.insertCell().append(link);
    cell(row, tx.name);
    cell(row, tx.status, "status");
    cell(row, when(tx.createdAt));
    cell(row, tx.branches);
    cell(row, tx.resolvedByHand ? "resolved by hand (heuristic)" : tx.outcomeReason, tx.resolvedByHand ? "heuristic" : "");
  }
  el("page-number").textContent = "page " + (state.page + 1);
  el("prev").disabled = state.page === 0;
  el("next").disabled = !page.hasNext;
}

async function showTransaction(id) {
  const details = await get("/transactions/" + encodeURIComponent(id));
  const tx = details.transaction;
  el("tx-id").textContent = tx.id;
  el("tx-state").textContent = tx.status;
  el("tx-summary").textContent = `${tx.name ? "“" + tx.name + "”, " : ""}created ${when(tx.createdAt)}, expires ${when(tx.expiresAt)}`
    + (tx.decidedAt ? `, decided ${when(tx.decidedAt)}` : "") + (tx.finishedAt ? `, finished ${when(tx.finishedAt)}` : "")
    + (tx.outcomeReason ? ". Reason: " + tx.outcomeReason : "")
    + (details.nextAttemptAt ? `. Next phase-2 attempt ${when(details.nextAttemptAt)}` : "");
  const branches = el("branches").tBodies[0];
  branches.replaceChildren();
  for (const branch of tx.branches) {
    const row = branches.insertRow();
    if (branch.lastError && !["COMMITTED", "ROLLED_BACK", "READ_ONLY"].includes(branch.status)) row.className = "in-doubt";
    cell(row, branch.name);
    cell(row, branch.status === "RESOLVED_BY_HAND" ? "RESOLVED_BY_HAND (heuristic)" : branch.status,
      branch.status === "RESOLVED_BY_HAND" ? "heuristic" : "");
    cell(row, branch.voteDetail);
    cell(row, branch.attempts);
    cell(row, branch.lastError);
    cell(row, when(branch.updatedAt));
    const actions = row.insertCell();
    if (!["COMMITTED", "ROLLED_BACK", "READ_ONLY", "RESOLVED_BY_HAND"].includes(branch.status)) {
      const button = document.createElement("button");
      button.textContent = "Resolve by hand";
      button.className = "resolve";
      button.onclick = () => act(`/transactions/${encodeURIComponent(tx.id)}/branches/${branch.branchId}/resolve`);
      actions.append(button);
    }
  }
  const history = el("history").tBodies[0];
  history.replaceChildren();
  for (const event of details.history) {
    const row = history.insertRow();
    cell(row, when(event.occurredAt));
    cell(row, event.branchId);
    cell(row, event.fromState);
    cell(row, event.toState);
    cell(row, event.detail);
  }
  const audit = el("audit").tBodies[0];
  audit.replaceChildren();
  for (const entry of details.audit) {
    const row = audit.insertRow();
    cell(row, when(entry.occurredAt));
    cell(row, entry.actor);
    cell(row, entry.action);
    cell(row, entry.branchId);
    cell(row, entry.reason);
    cell(row, entry.outcome);
  }
}

async function act(path) {
  const reason = el("reason").value.trim();
  const result = el("action-result");
  if (!reason) {
    result.textContent = "Give a reason first: it goes into the audit trail.";
    return;
  }
  try {
    const done = await post(path, reason);
    result.textContent = "Done: " + done.outcome;
    el("reason").value = "";
  } catch (e) {
    result.textContent = "Refused: " + e.message;
  }
  await refresh();
}

function route() {
  const hash = location.hash || "#overview";
  for (const page of document.querySelectorAll(".page")) page.hidden = true;
  if (hash.startsWith("#tx/")) {
    state.current = decodeURIComponent(hash.slice(4));
    el("transaction-page").hidden = false;
    el("action-result").textContent = "";
  } else if (hash === "#transactions") {
    state.current = null;
    el("transactions-page").hidden = false;
  } else {
    state.current = null;
    el("overview-page").hidden = false;
  }
  return refresh();
}

async function refresh() {
  try {
    const hash = location.hash || "#overview";
    if (hash.startsWith("#tx/")) await showTransaction(state.current);
    else if (hash === "#transactions") await showList();
    else await showOverview();
    el("refreshed").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    el("refreshed").textContent = "could not refresh: " + e.message;
  }
}

el("filters").onsubmit = (event) => {
  event.preventDefault();
  state.filters = new URLSearchParams([...new FormData(el("filters"))].filter(([, v]) => v));
  state.page = 0;
  showList();
};
el("prev").onclick = () => { state.page = Math.max(0, state.page - 1); showList(); };
el("next").onclick = () => { state.page += 1; showList(); };
el("retry").onclick = () => act(`/transactions/${encodeURIComponent(state.current)}/retry`);
el("abort").onclick = () => act(`/transactions/${encodeURIComponent(state.current)}/abort`);
el("sign-out").onclick = async () => {
  await fetch(location.origin + "/logout", { method: "POST", credentials: "same-origin",
    headers: { [session.csrfHeader]: decodeURIComponent(cookie("XSRF-TOKEN") || "") } });
  location.assign("/login?logout");
};
window.addEventListener("hashchange", route);
setInterval(refresh, 3000);
get("/session").then((signedIn) => {
  session.csrfHeader = signedIn.csrfHeader;
  el("operator").textContent = signedIn.operator;
}).catch((e) => { el("refreshed").textContent = "could not start a session: " + e.message; });
route();

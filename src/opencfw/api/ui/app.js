// The opencfw dashboard: sign-in, the project's firewalls and tasks kept live from the event
// stream, a task's steps on a time axis, and the admin's actions behind a confirmation.
"use strict";

const API = "/_opencfw/ui/api";
const $ = (id) => document.getElementById(id);
// names: firewall names by id, kept from every answer (a deleted firewall's tasks still name it)
const state = { session: null, firewalls: [], jobs: [], names: {}, selected: null, detail: null, source: null, timer: null };
// the firewall list is read a page at a time (the server pages it; a project may have thousands)
const FW_PAGE = 100;
state.fwPage = { offset: 0, total: 0 };

// -- helpers

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "data") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

const ms = (iso) => (iso ? Date.parse(iso) : null);

function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

function span(milliseconds) {
  if (milliseconds === null || milliseconds < 0) return "—";
  const s = milliseconds / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// a task as the tables say it: its kind and its firewall's name (the id only when no name is known)
const firewallName = (id) => state.names[id] || id;
const taskName = (job) => `${job.kind} ${firewallName(job.resource_id)}`;

// a row that opens something: the pointer and the keyboard (Enter, Space) do the same
function clickable(row, label, open) {
  row.tabIndex = 0;
  row.classList.add("clickable");
  row.setAttribute("aria-label", label);
  row.addEventListener("click", (event) => {
    if (!event.target.closest("button, a, input, select")) open();
  });
  row.addEventListener("keydown", (event) => {
    if ((event.key === "Enter" || event.key === " ") && event.target === row) {
      event.preventDefault();
      open();
    }
  });
  return row;
}

class Unauthorised extends Error {}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    if (state.session) headers["X-Opencfw-Csrf"] = state.session.csrf;
  }
  const reply = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  const data = await reply.json().catch(() => ({}));
  if (reply.status === 401 && path !== "/session") throw new Unauthorised(data.error_msg);
  if (!reply.ok) throw new Error(data.error_msg || `HTTP ${reply.status}`);
  return data;
}

// -- sign-in and sign-out

// message: a problem (shown as an error) or, with note, news such as "Signed out."
function showSignIn(message, note) {
  stopLive();
  state.session = null;
  state.names = {};
  state.fwPage = { offset: 0, total: 0 };
  $("dashboard").hidden = true;
  $("sign-out").hidden = $("who").hidden = $("live").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = note ? "" : message || "";
  $("sign-in-note").textContent = note ? message : "";
  $("in-password").value = "";
  $("in-token").value = "";
  const first = document.querySelector("#sign-in-form input:checked");
  if (first) first.focus();
}

function methodChanged() {
  const admin = document.querySelector("input[name=method]:checked").value === "admin";
  document.querySelector(".for-password").hidden = admin;
  document.querySelector(".for-admin").hidden = !admin;
  for (const input of document.querySelectorAll(".for-password input")) input.required = !admin;
  $("in-token").required = admin;
}

async function signIn(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { method: form.get("method"), project: form.get("project").trim() };
  if (body.method === "admin") body.token = form.get("token");
  else Object.assign(body, { domain: form.get("domain"), user: form.get("user"), password: form.get("password") });
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  $("sign-in-note").textContent = "";
  try {
    const reply = await fetch(API + "/session", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) {
      $("sign-in-error").textContent = data.error_msg || `Sign-in failed (HTTP ${reply.status})`;
      return;
    }
    // a browser keeps a Secure cookie only over HTTPS or on 127.0.0.1/localhost
    const kept = await fetch(API + "/session", { credentials: "same-origin", cache: "no-store" });
    if (!kept.ok) {
      $("sign-in-error").textContent =
        "The browser did not keep the session cookie: open the dashboard over HTTPS (or at 127.0.0.1).";
      return;
    }
    start(data);
  } catch (err) {
    $("sign-in-error").textContent = `Sign-in failed: ${err.message}`;
  } finally {
    button.disabled = false;
    $("in-password").value = "";
    $("in-token").value = "";
  }
}

async function signOut() {
  try {
    await api("DELETE", "/session");
  } catch (err) {
    // the session is gone either way
  }
  showSignIn("Signed out.", true);
}

// -- the dashboard

function start(session) {
  state.session = session;
  $("sign-in").hidden = true;
  $("dashboard").hidden = false;
  $("sign-out").hidden = $("who").hidden = $("live").hidden = false;
  const role = session.kind === "admin" ? "admin" : "read-only";
  $("who").textContent = `Project ${session.project_name} · ${role}`;
  $("who").title = `Project id ${session.project_id}`;
  $("admin").hidden = !session.can_act;
  document.body.classList.toggle("can-act", session.can_act);
  refresh();
  startLive();
  $("main").focus();
}

let pending = null;
function refreshSoon() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    refresh();
  }, 120);
}

// refreshes may overlap (a filter changed while one is on its way): only the latest one's answers
// are shown, or an older answer could overwrite a newer one
let refreshes = 0;

async function refresh() {
  if (!state.session) return;
  const mine = ++refreshes;
  try {
    const status = $("job-filter").value;
    const query = status ? `?limit=200&status=${encodeURIComponent(status)}` : "?limit=200";
    const fwStatus = $("fw-filter").value;
    const fwQuery = `?limit=${FW_PAGE}&offset=${state.fwPage.offset}` + (fwStatus ? `&status=${encodeURIComponent(fwStatus)}` : "");
    const [fw, jobs, engine] = await Promise.all([
      api("GET", "/firewalls" + fwQuery),
      api("GET", "/jobs" + query),
      api("GET", "/engine"),
    ]);
    if (mine !== refreshes) return;
    state.firewalls = fw.firewalls;
    state.fwPage.total = fw.total;
    if (fw.firewalls.length === 0 && fw.total > 0 && state.fwPage.offset > 0) {
      // the page emptied (firewalls deleted meanwhile): show the last one that has rows
      state.fwPage.offset = Math.floor((fw.total - 1) / FW_PAGE) * FW_PAGE;
      return refresh();
    }
    state.jobs = jobs.jobs;
    Object.assign(state.names, jobs.names, Object.fromEntries(fw.firewalls.map((f) => [f.id, f.name])));
    $("engine-state").textContent = engine.paused ? "paused" : "running";
    $("pause").disabled = engine.paused;
    $("resume").disabled = !engine.paused;
    renderFirewalls();
    renderJobs();
    if (state.selected) await loadTimeline(state.selected);
  } catch (err) {
    if (err instanceof Unauthorised) showSignIn(err.message);
    else console.error(err);
  }
}

function renderFirewalls() {
  const rows = state.firewalls;
  const body = $("firewalls").tBodies[0];
  body.replaceChildren(
    ...rows.map((f) => {
      const tags = Object.entries(f.tags);
      const row = el(
        "tr",
        { data: { id: f.id } },
        el("td", { "data-label": "Name" }, f.name),
        el("td", { "data-label": "Id", class: "id" }, f.id),
        // a firewall's state (solid), never mistaken for a task's progress (outlined)
        el("td", { "data-label": "Status" }, el("span", { class: `badge fw fw-${f.status.replace(" ", "-")}` }, f.status)),
        el("td", { "data-label": "Edition" }, f.edition),
        el("td", { "data-label": "Tags" }, ...(tags.length ? tags.map(([k, v]) => el("span", { class: "tag" }, `${k}=${v}`)) : ["—"])),
        el("td", { "data-label": "Created" }, when(f.created_at)),
      );
      // a firewall's row opens the timeline of its latest task
      const latest = state.jobs.find((job) => job.resource_id === f.id);
      return latest ? clickable(row, `${f.name}: timeline of its latest task`, () => selectJob(latest.id)) : row;
    }),
  );
  const { offset, total } = state.fwPage;
  $("fw-count").textContent = `(${total})`;
  $("fw-empty").hidden = rows.length > 0;
  $("fw-pager").hidden = total <= FW_PAGE;
  $("fw-range").textContent = rows.length ? `${offset + 1}–${offset + rows.length} of ${total}` : `0 of ${total}`;
  $("fw-prev").disabled = offset === 0;
  $("fw-next").disabled = offset + rows.length >= total;
}

function fwPageBy(step) {
  state.fwPage.offset = Math.max(0, state.fwPage.offset + step * FW_PAGE);
  refresh();
}

function jobDuration(job) {
  const end = job.end_time ? ms(job.end_time) : Date.now();
  return end - ms(job.begin_time);
}

function renderJobs() {
  const body = $("jobs").tBodies[0];
  body.replaceChildren(
    ...state.jobs.map((job) => {
      const actions = el(
        "div",
        { class: "row-actions" },
        el("button", { type: "button", onclick: () => selectJob(job.id), "aria-label": `Timeline of ${taskName(job)}` }, "Timeline"),
      );
      if (state.session.can_act && job.status === "Running") {
        actions.append(
          el("button", { type: "button", onclick: () => finishJob(job, "complete") }, "Complete"),
          el("button", { type: "button", class: "danger", onclick: () => finishJob(job, "fail") }, "Fail"),
        );
      }
      // no failure: an empty cell (no "Failure:" label with nothing after it on a phone)
      const failure = job.error ? `${job.error.code}: ${job.error.message}` : null;
      const row = el(
        "tr",
        { data: { id: job.id, status: job.status }, class: job.id === state.selected ? "selected" : "" },
        el("td", { "data-label": "Task" }, taskName(job)),
        el("td", { "data-label": "Status" }, el("span", { class: `badge task task-${job.status}` }, job.status)),
        el("td", { "data-label": "Step" }, job.current_step || "—"),
        el(
          "td",
          { "data-label": "Progress" },
          el("progress", { max: "100", value: String(job.progress), "aria-label": `Progress ${job.progress}%` }),
          ` ${job.progress}%`,
        ),
        el("td", { "data-label": "Began" }, when(job.begin_time)),
        el("td", { "data-label": "Ended" }, when(job.end_time)),
        el("td", { "data-label": "Duration", class: "duration", data: { begin: job.begin_time, end: job.end_time || "" } }, span(jobDuration(job))),
        el("td", { "data-label": "Failure" }, failure),
        el("td", { class: "actions" }, actions),
      );
      return clickable(row, `${taskName(job)}: timeline`, () => selectJob(job.id));
    }),
  );
  $("job-count").textContent = `(${state.jobs.length})`;
  $("job-empty").hidden = state.jobs.length > 0;
}

// running tasks' durations, and the running step on the timeline, move every second without
// asking the server: a step that stalls grows past its plan and turns "slow" while it happens
function tick() {
  for (const cell of document.querySelectorAll("#jobs td.duration")) {
    if (!cell.dataset.end) cell.textContent = span(Date.now() - ms(cell.dataset.begin));
  }
  if (state.detail && state.detail.status === "Running" && !$("timeline").hidden) renderTimeline(state.detail);
}

// -- the timeline

async function selectJob(jobId) {
  state.selected = jobId;
  for (const row of $("jobs").tBodies[0].rows) row.classList.toggle("selected", row.dataset.id === jobId);
  await loadTimeline(jobId);
  $("timeline").scrollIntoView({ behavior: "smooth", block: "nearest" });
}

async function loadTimeline(jobId) {
  try {
    const { data } = await api("GET", `/jobs/${encodeURIComponent(jobId)}`);
    state.detail = data;
    renderTimeline(data);
  } catch (err) {
    if (err instanceof Unauthorised) throw err;
    state.selected = null;
    $("timeline").hidden = true;
  }
}

function renderTimeline(job) {
  const begin = ms(job.begin_time);
  const now = Date.now();
  // where each step lies: its real times, or (not yet run) its plan after the one before. The
  // running step is drawn up to now, and the rest of its plan after it: the steps still pending
  // follow its planned end (or now, if it runs late), so the chart ends when the job should.
  let cursor = begin;
  const bars = job.steps.map((step) => {
    const planned = step.planned_seconds * 1000;
    const from = step.started_at ? ms(step.started_at) : cursor;
    let to = from + planned;
    if (step.ended_at) to = ms(step.ended_at);
    else if (step.status === "failed") to = Math.max(job.end_time ? ms(job.end_time) : now, from);
    else if (step.status === "running") to = Math.max(now, from);
    const left = step.status === "running" ? Math.max(from + planned - to, 0) : 0;
    cursor = Math.max(to + left, cursor);
    const took = to - from;
    const slow = step.status !== "pending" && took > planned * 1.5 + 200;
    return { step, from, to, took, planned, slow, left };
  });
  const end = Math.max(cursor, begin + 1);
  const total = end - begin;
  const chart = $("tl-chart");
  chart.replaceChildren(
    ...bars.map(({ step, from, to, took, planned, slow, left }) => {
      const kind = step.status === "failed" ? "failed" : slow ? "slow" : step.status;
      const label = step.status === "pending" ? `planned ${span(planned)}` : `${span(took)} (planned ${span(planned)})`;
      const seg = el("div", { class: `seg ${kind}`, title: `${step.name}: ${step.status}, ${label}` }, step.status === "pending" ? "" : span(took));
      seg.style.left = `${(100 * (from - begin)) / total}%`;
      seg.style.width = `${(100 * Math.max(to - from, 0)) / total}%`;
      const track = el("div", { class: "track", role: "img", "aria-label": `${step.name}: ${step.status}${slow ? ", slower than planned" : ""}, ${label}` }, seg);
      if (left > 0) {
        const rest = el("div", { class: "seg left", title: `${step.name}: ${span(left)} more planned` });
        rest.style.left = `${(100 * (to - begin)) / total}%`;
        rest.style.width = `${(100 * left) / total}%`;
        track.append(rest);
      }
      return el("div", { class: "lane", data: { step: step.name, status: kind } }, el("span", { class: "name" }, step.name), track);
    }),
    el("div", { class: "axis", "aria-hidden": "true" }, ...[0, 0.25, 0.5, 0.75, 1].map((f) => el("span", {}, span(total * f)))),
  );
  $("tl-job").textContent = `${taskName(job)} · ${job.status}`;
  $("tl-job").title = `Task ${job.id}`;
  $("timeline").hidden = false;
}

// -- admin actions, each confirmed first

function confirmed(text, action) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = action;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    dialog.querySelector("button[value=cancel]").focus();
  });
}

async function act(text, action, method, path, body) {
  if (!(await confirmed(text, action))) return;
  try {
    await api(method, path, body);
  } catch (err) {
    if (err instanceof Unauthorised) return showSignIn(err.message);
    alert(err.message);
  }
  refresh();
}

function finishJob(job, how) {
  const name = firewallName(job.resource_id);
  const text =
    how === "fail"
      ? `Fail the running task “${taskName(job)}” now? The firewall ${name} fails with it.`
      : `Complete the running task “${taskName(job)}” now?`;
  const body = how === "fail" ? { message: "Failed from the dashboard" } : undefined;
  return act(text, how === "fail" ? "Fail task" : "Complete task", "POST", `/jobs/${encodeURIComponent(job.id)}/${how}`, body);
}

// -- live updates from the project's event stream

const EVENTS = ["firewall.created", "firewall.status", "firewall.renamed", "job.created", "job.progress", "job.ended", "project.reset"];

function startLive() {
  stopLive();
  const source = new EventSource(API + "/events");
  state.source = source;
  const live = $("live");
  source.onopen = () => {
    live.textContent = "Live";
    live.classList.add("on");
    refreshSoon();
  };
  for (const kind of EVENTS) source.addEventListener(kind, refreshSoon);
  source.onerror = async () => {
    live.textContent = "Reconnecting…";
    live.classList.remove("on");
    if (source.readyState === EventSource.CLOSED) {
      // the server refused the stream: is the session still good?
      const reply = await fetch(API + "/session", { credentials: "same-origin", cache: "no-store" });
      if (reply.status === 401) return showSignIn("The session has ended: sign in again.", true);
      setTimeout(() => state.session && startLive(), 2000);
    }
  };
  state.timer = setInterval(tick, 1000);
}

function stopLive() {
  if (state.source) state.source.close();
  if (state.timer) clearInterval(state.timer);
  state.source = state.timer = null;
}

// -- wiring

document.addEventListener("DOMContentLoaded", async () => {
  $("sign-in-form").addEventListener("submit", signIn);
  for (const radio of document.querySelectorAll("input[name=method]")) radio.addEventListener("change", methodChanged);
  $("sign-out").addEventListener("click", signOut);
  $("fw-filter").addEventListener("change", () => {
    state.fwPage.offset = 0;
    refresh();
  });
  $("fw-prev").addEventListener("click", () => fwPageBy(-1));
  $("fw-next").addEventListener("click", () => fwPageBy(1));
  $("job-filter").addEventListener("change", refresh);
  $("pause").addEventListener("click", () => act("Pause the engine? No worker sharing the store claims jobs until it is resumed.", "Pause", "POST", "/engine/pause"));
  $("resume").addEventListener("click", () => act("Resume the engine?", "Resume", "POST", "/engine/resume"));
  $("reset").addEventListener("click", () =>
    act(`Reset project ${state.session.project_name}? All its firewalls and tasks are deleted.`, "Reset project", "POST", "/reset"),
  );
  methodChanged();
  const reply = await fetch(API + "/session", { credentials: "same-origin", cache: "no-store" });
  if (reply.ok) start(await reply.json());
  else showSignIn();
});

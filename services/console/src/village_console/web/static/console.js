// Village console: progressive enhancement only (every page works without it).
// - SLA clocks count down between renders (their state is text, updated with them);
// - a war room listens for its timeline's new entries (server-sent events) and swaps its live
//   sections in.
"use strict";

function formatDuration(seconds) {
  const sign = seconds < 0 ? "-" : "";
  let s = Math.floor(Math.abs(seconds));
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const pad = (n) => String(n).padStart(2, "0");
  if (h) return `${sign}${h} h ${pad(m)} min`;
  if (m) return `${sign}${m} min ${pad(s)} s`;
  return `${sign}${s} s`;
}

function startClocks(root) {
  const started = Date.now();
  const clocks = [...root.querySelectorAll(".clock[data-remaining]")]
    .filter((el) => el.dataset.running !== "no" && el.dataset.remaining !== "None");
  for (const el of clocks) el.dataset.base = el.dataset.remaining;
  const ages = [...root.querySelectorAll(".age[data-age]")];
  return () => {
    const elapsed = (Date.now() - started) / 1000;
    for (const el of ages) el.textContent = formatDuration(Number(el.dataset.age) + elapsed);
    for (const el of clocks) {
      const left = Number(el.dataset.base) - elapsed;
      const out = el.querySelector(".remaining");
      if (out) out.textContent = formatDuration(left);
      if (left < 0 && el.dataset.state !== "breached") {
        el.dataset.state = "breached";
        el.classList.add("state-breached");
        const state = el.querySelector(".state");
        if (state) state.textContent = "breached (due time passed)";
      }
    }
  };
}

function warRoom(room) {
  const sections = document.getElementById("live-sections");
  const status = room.querySelector(".live-status");
  let tick = startClocks(document);
  setInterval(() => tick(), 1000);
  if (!("EventSource" in window)) return;
  let fetching = false, again = false, gone = false;
  async function refresh() {
    if (gone) return;
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const response = await fetch(room.dataset.part, { headers: { Accept: "text/html" } });
      const html = response.ok ? await response.text() : null;
      if (html !== null && !gone) {
        sections.innerHTML = html;
        tick = startClocks(sections);
        status.textContent = "Updated just now.";
      }
    } finally {
      fetching = false;
      if (again) { again = false; refresh(); }
    }
  }
  // Every timeline entry the party may see (an incident change, an SLA clock, an escalation
  // decision, an article) refreshes the live sections; one fetch at a time, the last one after.
  const since = room.dataset.since;
  const source = new EventSource(since ? `${room.dataset.live}?since=${since}` : room.dataset.live);
  source.addEventListener("entry", () => refresh());
  source.addEventListener("gone", () => {
    gone = true;
    source.close();
    status.textContent = "You no longer have access to this incident.";
    sections.innerHTML = "";
    room.querySelector(".actions")?.remove();
  });
}

function myWork(work) {
  let tick = startClocks(document);
  setInterval(() => tick(), 1000);
  if (!("EventSource" in window)) return;
  const status = work.querySelector(".live-status");
  const source = new EventSource(work.dataset.live);
  source.addEventListener("changed", async () => {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("work-live");
    if (fresh) {
      document.getElementById("work-live").innerHTML = fresh.innerHTML;
      tick = startClocks(document);
      status.textContent = "Updated just now.";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const room = document.querySelector(".war-room");
  const work = document.querySelector(".my-work");
  if (room) warRoom(room);
  else if (work) myWork(work);
  else { const tick = startClocks(document); setInterval(tick, 1000); }
});

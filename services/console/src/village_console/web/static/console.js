// Village console: progressive enhancement only (every page works without it).
// - SLA clocks count down between renders (their state is text, updated with them);
// - a war room listens for its timeline's new entries (server-sent events) and swaps its live
//   sections in; My work does the same with its lists.
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

// Where the focus is inside `root`, as a selector that finds the same control after a swap.
function focusKey(root) {
  const el = document.activeElement;
  if (!el || el === document.body || !root.contains(el)) return null;
  if (el.id) return `#${CSS.escape(el.id)}`;
  const href = el.getAttribute("href");
  if (href) return `${el.tagName.toLowerCase()}[href="${CSS.escape(href)}"]`;
  if (el.name) return `[name="${CSS.escape(el.name)}"][value="${CSS.escape(el.value)}"]`;
  return null;
}

// Swaps `target`'s content for a fresh render (`read`) when told to: one fetch at a time (the
// last request after it), the focus kept on the same control (a keyboard user is not thrown
// back to the top of the page), `swapped()` after each swap.
function liveSwap(target, status, read, swapped) {
  let fetching = false, again = false, stopped = false;
  async function refresh() {
    if (stopped) return;
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const html = await read();
      if (html !== null && !stopped) {
        const focused = focusKey(target);
        target.innerHTML = html;
        if (focused) target.querySelector(focused)?.focus({ preventScroll: true });
        status.textContent = "Updated just now.";
        swapped();
      }
    } finally {
      fetching = false;
      if (again) { again = false; refresh(); }
    }
  }
  return { refresh, stop: () => { stopped = true; } };
}

// A page's HTML, or null: not ok, or cut off (the page being left, the network away: the next
// update fetches again; not an error in the console).
async function fetchHtml(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "text/html" } });
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

function warRoom(room) {
  const sections = document.getElementById("live-sections");
  const status = room.querySelector(".live-status");
  let tick = startClocks(document);
  setInterval(() => tick(), 1000);
  if (!("EventSource" in window)) return;
  const live = liveSwap(sections, status, () => fetchHtml(room.dataset.part), () => {
    tick = startClocks(sections);
  });
  // Every timeline entry the party may see (an incident change, an SLA clock, an escalation
  // decision, an article) refreshes the live sections.
  const since = room.dataset.since;
  const source = new EventSource(since ? `${room.dataset.live}?since=${since}` : room.dataset.live);
  source.addEventListener("entry", () => live.refresh());
  source.addEventListener("gone", () => {
    live.stop();
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
  const target = document.getElementById("work-live");
  const live = liveSwap(
    target,
    work.querySelector(".live-status"),
    async () => {
      const html = await fetchHtml(window.location.href);
      if (html === null) return null;
      const page = new DOMParser().parseFromString(html, "text/html");
      return page.getElementById("work-live")?.innerHTML ?? null;
    },
    () => { tick = startClocks(document); },
  );
  const source = new EventSource(work.dataset.live);
  source.addEventListener("changed", () => live.refresh());
}

document.addEventListener("DOMContentLoaded", () => {
  const room = document.querySelector(".war-room");
  const work = document.querySelector(".my-work");
  if (room) warRoom(room);
  else if (work) myWork(work);
  else { const tick = startClocks(document); setInterval(tick, 1000); }
});

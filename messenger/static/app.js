// pnpd messenger: a little plain JavaScript for what HTML cannot do alone —
// the SMS confirm dialog, the resend countdown and live updates.
"use strict";

function wireDialogs(root) {
  root.querySelectorAll("[data-open]").forEach((b) => {
    b.addEventListener("click", () => document.getElementById(b.dataset.open).showModal());
  });
  root.querySelectorAll("[data-close]").forEach((b) => {
    b.addEventListener("click", () => document.getElementById(b.dataset.close).close());
  });
}

// A resend button stays disabled, counting down, until a code may be asked again.
function wireCountdowns(root) {
  root.querySelectorAll("[data-countdown]").forEach((b) => {
    let left = parseInt(b.dataset.countdown, 10) || 0;
    const label = b.textContent;
    const tick = () => {
      if (left <= 0) { b.disabled = false; b.textContent = label; return; }
      b.disabled = true;
      b.textContent = b.dataset.template.replace("{s}", String(left));
      left--;
      setTimeout(tick, 1000);
    };
    tick();
  });
}

function preview(m) {
  if (m.type === "notice") return m.notice.text;
  const msg = m.message || {};
  return msg.text || msg.altText || msg.title || msg.type || "";
}

// Browser notifications for messages newer than the newest one seen, unless
// the sender asked for a silent delivery.
async function notifyNew() {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const res = await fetch("/api/v1/chats", { credentials: "same-origin" });
  if (!res.ok) return;
  const { chats } = await res.json();
  const seen = parseInt(sessionStorage.getItem("pnpd-seen") || "0", 10);
  let newest = seen;
  for (const c of chats) {
    const m = c.lastMessage;
    if (!m || m.id <= seen) continue;
    newest = Math.max(newest, m.id);
    if (!m.silent && seen > 0) new Notification(c.name, { body: preview(m) });
  }
  sessionStorage.setItem("pnpd-seen", String(newest));
}

// Replace the page's content with a fresh copy, keeping the scroll at the
// newest message. Only the chat list and a chat show what changed: any other
// page may be a form's answer, such as the code step of a number change,
// which a fresh GET of its URL would replace with the form's first step.
// shownHTML is the server's HTML of what the page shows now.
let shownHTML = null;

async function refresh() {
  if (!document.querySelector("#content .messages, #content .chat-list")) return;
  const res = await fetch(location.href, { credentials: "same-origin" });
  if (!res.ok || res.redirected) return;
  const doc = new DOMParser().parseFromString(await res.text(), "text/html");
  const fresh = doc.getElementById("content");
  const main = document.getElementById("content");
  if (!fresh || !main || document.activeElement?.closest("#content form")) return;
  // Nothing new: leave the page alone rather than swap it under a click.
  if (fresh.innerHTML === shownHTML) return;
  shownHTML = fresh.innerHTML;
  main.innerHTML = fresh.innerHTML;
  wire(main);
  window.scrollTo(0, document.body.scrollHeight);
}

// Waits before the page opens its live updates again once the browser gave
// them up, in milliseconds: doubling from the first to the last.
const firstRetry = 1000;
const lastRetry = 30000;

function live() {
  const url = document.body.dataset.live;
  if (!url || !("EventSource" in window)) return;
  if ("Notification" in window && Notification.permission === "default") {
    document.addEventListener("click", () => Notification.requestPermission(), { once: true });
  }
  notifyNew();
  listen(url, firstRetry);
}

// listen opens the live updates. The browser reconnects a dropped stream on
// its own, but gives it up for good when a reconnect is answered with an
// error status: a node whose database is down, or a proxy with no node
// ready during a restart. The page then opens it again itself, waiting
// longer each time, each page a little differently so that the pages of a
// restarted node do not all come back at once.
function listen(url, wait) {
  const es = new EventSource(url);
  es.addEventListener("changed", () => { refresh(); notifyNew(); });
  // What changed while the stream was connecting, reconnecting or given up
  // shows too.
  es.addEventListener("open", () => { wait = firstRetry; refresh(); notifyNew(); });
  es.addEventListener("error", () => {
    if (es.readyState !== EventSource.CLOSED) return;
    es.close();
    const jitter = 0.75 + Math.random() / 2;
    setTimeout(() => listen(url, Math.min(wait * 2, lastRetry)), wait * jitter);
  });
}

// Times come in UTC+9; show them in the browser's own time zone.
function localTimes(root) {
  root.querySelectorAll("time[datetime]").forEach((el) => {
    const d = new Date(el.getAttribute("datetime"));
    if (isNaN(d)) return;
    el.textContent = el.dataset.format === "date"
      ? d.toLocaleString([], { dateStyle: "short", timeStyle: "short" })
      : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  });
}

function wire(root) {
  wireDialogs(root);
  wireCountdowns(root);
  localTimes(root);
}

document.addEventListener("DOMContentLoaded", () => {
  shownHTML = document.getElementById("content")?.innerHTML ?? null;
  wire(document);
  if (document.querySelector(".messages")) window.scrollTo(0, document.body.scrollHeight);
  live();
});

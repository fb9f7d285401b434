// The bell's unread count, kept fresh while a page stays open (web/auth/notifications.py).
// Loaded on every signed-in page; no inline script (Content-Security-Policy).
(function () {
  "use strict";
  const bell = document.getElementById("bell");
  const count = document.getElementById("bell-count");
  if (!bell || !count || !bell.dataset.countUrl) return;
  const EVERY_MS = 60000;

  function show(n) {
    count.textContent = String(n);
    count.hidden = n === 0;
    bell.classList.toggle("has-unread", n > 0);
    const label = (bell.getAttribute("title") || "").split(":")[0];
    bell.setAttribute("aria-label", label + ": " + n);
  }

  async function refresh() {
    if (document.hidden) return;
    try {
      const answer = await fetch(bell.dataset.countUrl, {
        headers: {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
        credentials: "same-origin", cache: "no-store",
      });
      if (!answer.ok) return;
      const data = await answer.json();
      if (typeof data.unread === "number") show(data.unread);
    } catch (err) {
      // Offline or the server restarting: keep the last number, try again later.
    }
  }

  setInterval(refresh, EVERY_MS);
  document.addEventListener("visibilitychange", refresh);
  window.addEventListener("pageshow", (event) => { if (event.persisted) refresh(); });
})();

// Translator workspace: the player with the live subtitle track, a waveform with the cue
// spans, and the cue list. Every edit is saved by itself (debounced PATCH with the cue's
// version); a failed save is kept (also in localStorage) and retried; a stale save shows
// both versions and the user chooses. Undo/redo, keyboard shortcuts that work while typing,
// glossary and translation memory for the current cue. Plain ES2020, no build step.
(function () {
  "use strict";

  const root = document.getElementById("workspace");
  if (!root) { return; }

  // ---- constants, strings, elements ------------------------------------------------------
  const TRACK_ID = Number(root.dataset.trackId);
  const LANG = root.dataset.language;
  const API_TRACK = root.dataset.api;
  const VTT_URL = root.dataset.vtt;
  const MEMORY_URL = root.dataset.memory;
  let CSRF = (document.querySelector("meta[name='csrf-token']") || {}).content || "";
  const STORE = "station.ws.t" + TRACK_ID + ".c";
  const STR = (function () {
    try { return JSON.parse(document.getElementById("ws-strings").textContent); } catch (e) { return {}; }
  })();
  const TEXT_DELAY = 600; // ms after the last keystroke
  const TIME_DELAY = 350; // ms after the last nudge
  const FOLLOW_PAUSE_SCROLL = 4000; // the user scrolled the list: playback does not steal it

  function T(key, params) {
    let out = Object.prototype.hasOwnProperty.call(STR, key) ? STR[key] : key;
    if (params) {
      for (const name of Object.keys(params)) { out = out.split("{" + name + "}").join(String(params[name])); }
    }
    return out;
  }
  const $ = (id) => document.getElementById(id);

  const player = $("ws-player");
  const isVideo = !!player && player.tagName === "VIDEO";
  const list = $("ws-list");
  const canvas = $("ws-wave");
  const ctx = canvas ? canvas.getContext("2d") : null;
  const saveState = $("save-state");
  const clock = $("ws-clock");
  const banner = $("ws-banner");
  const caption = $("ws-caption");

  // Start both requests at once: the track (cues, QC) and the waveform peaks.
  const trackRequest = fetch(API_TRACK, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const peaksRequest = root.dataset.peaks
    ? fetch(root.dataset.peaks, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).catch(() => null)
    : Promise.resolve(null);

  const S = {
    track: null, rules: null, frame: 40, editable: root.dataset.editable === "true",
    canReview: root.dataset.canReview === "true", hasSource: false,
    cues: [], byId: new Map(), source: [], comments: new Map(),
    current: null, playing: null,
    undo: [], redo: [],
    attention: new Set(), // cues that are dirty, saving, failing, in conflict or refused
    conflicts: [], dialogCue: null,
    durationMs: 0, peaks: null, peakScale: 1, shots: [],
    view: { start: 0, win: 30000, pinnedUntil: 0 },
    drag: null, rafDraw: 0, rafPlay: 0, stopAt: null,
    userScrollAt: 0, typedSincePlay: false, lastInputAt: 0,
    vttVersion: 0, vttTimer: 0, pendingTrack: null,
    memoryCache: new Map(), memoryTimer: 0, signedOut: false,
  };

  // ---- small helpers ---------------------------------------------------------------------
  function pad(n, width) { return String(n).padStart(width, "0"); }
  function tc(ms) {
    ms = Math.max(0, Math.round(ms));
    const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60;
    return pad(h, 2) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(ms % 1000, 3);
  }
  // The server's normalize_text: NFC, Unix line ends, single spaces, no empty lines.
  function normText(text) {
    return String(text || "").normalize("NFC").replace(/\r\n?/g, "\n").trim().split("\n")
      .map((line) => line.replace(/[ \t]+/g, " ").trim()).filter(Boolean).join("\n");
  }
  function charCount(text) { return [...normText(text).replace(/\n/g, "")].length; }
  function snap(ms) { return Math.round(ms / S.frame) * S.frame; }
  function playheadMs() { return player ? Math.round(player.currentTime * 1000) : 0; }
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function sameContent(a, b) {
    return a.text === b.text && a.start_ms === b.start_ms && a.end_ms === b.end_ms;
  }
  function mine(c) { return { text: normText(c.local.text), start_ms: c.local.start_ms, end_ms: c.local.end_ms }; }
  function dirty(c) {
    return normText(c.local.text) !== c.server.text || c.local.start_ms !== c.server.start_ms ||
      c.local.end_ms !== c.server.end_ms;
  }
  function indexOf(c) { return S.cues.indexOf(c); }
  function isCueTextarea(node) { return !!node && node.tagName === "TEXTAREA" && node.classList.contains("c-ta"); }

  let toastTimer = 0;
  const toast = el("div", "ws-toast");
  toast.setAttribute("role", "status");
  toast.hidden = true;
  root.appendChild(toast);
  function say(message, kind) {
    toast.textContent = message;
    toast.className = "ws-toast " + (kind || "");
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, 4000);
  }

  async function api(method, url, body, keepalive) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" }, keepalive: !!keepalive };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRFToken"] = CSRF;
      init.body = JSON.stringify(body);
    }
    let response;
    try { response = await fetch(url, init); } catch (err) { return { ok: false, status: 0, retry: true, data: null }; }
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("json")) { // the login page after a redirect: signed out
      const signedOut = response.redirected || /\/login/.test(response.url);
      return { ok: false, status: response.status, retry: true, signedOut, data: null };
    }
    let data = null;
    try { data = await response.json(); } catch (err) { return { ok: false, status: response.status, retry: true, data: null }; }
    if (response.status === 401) { // the session ended (logout elsewhere, password change): keep the edit
      return { ok: false, status: 401, retry: true, signedOut: true, data };
    }
    if (response.status === 400 && body !== undefined && !init.csrfRenewed) {
      // The session's CSRF token changed (a sign-in in another tab): take a fresh one, retry once.
      try {
        const fresh = await fetch("/api/csrf", { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (fresh.ok) {
          CSRF = (await fresh.json()).token;
          init.headers["X-CSRFToken"] = CSRF;
          init.csrfRenewed = true;
          const again = await fetch(url, init);
          const againData = await again.json();
          return { ok: again.ok, status: again.status, retry: again.status >= 500, data: againData };
        }
      } catch (err) { /* fall through: the edit stays local and is retried */ }
    }
    return { ok: response.ok, status: response.status, retry: response.status >= 500 || response.status === 0, data };
  }

  // ---- local copies of unsaved edits (survive a closed tab) ------------------------------
  function persist(c) {
    try {
      if (!dirty(c)) { localStorage.removeItem(STORE + c.id); return; }
      localStorage.setItem(STORE + c.id, JSON.stringify({
        v: c.server.version, at: Date.now(),
        base: { text: c.server.text, start_ms: c.server.start_ms, end_ms: c.server.end_ms },
        mine: { text: c.local.text.normalize("NFC"), start_ms: c.local.start_ms, end_ms: c.local.end_ms },
      }));
    } catch (err) { /* private mode or full: the in-memory copy still retries */ }
  }
  function unpersist(c) { try { localStorage.removeItem(STORE + c.id); } catch (err) { /* ignore */ } }
  function storedEdits() {
    const out = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key && key.startsWith(STORE)) {
          try { out.push({ key, id: Number(key.slice(STORE.length)), entry: JSON.parse(localStorage.getItem(key)) }); } catch (err) { out.push({ key, id: 0, entry: null }); }
        }
      }
    } catch (err) { /* no storage */ }
    return out;
  }

  // ---- the save indicator -----------------------------------------------------------------
  function updateSaveState() {
    let state = "saved";
    for (const c of S.attention) {
      if (c.removed) { S.attention.delete(c); continue; }
      const busy = c.timer || c.inflight || dirty(c);
      if (!busy && !c.conflict && !c.error && !c.failing) { S.attention.delete(c); continue; }
      if (c.conflict) { state = "conflict"; break; }
      if (c.error) { state = "error"; } else if (c.failing && state !== "error") { state = "retrying"; } else if (state === "saved") { state = "saving"; }
    }
    const labels = {
      saved: "All changes saved", saving: "Saving…", retrying: "Unsaved — retrying",
      error: "Not saved — see the marked cue", conflict: "Conflict — choose a version",
    };
    let text = T(labels[state]);
    if (state === "retrying" && S.signedOut) { text = T("Signed out: log in again in another tab; your edits are kept here"); }
    if (saveState.textContent !== text) { saveState.textContent = text; }
    if (root.dataset.saveState !== state) {
      saveState.className = "save-state " + state;
      root.dataset.saveState = state;
    }
  }

  // ---- cues: building rows ----------------------------------------------------------------
  function sourceFor(c) {
    const src = S.source;
    if (!src.length) { return ""; }
    let lo = 0, hi = src.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (src[mid].end_ms <= c.local.start_ms) { lo = mid + 1; } else { hi = mid; } }
    const parts = [];
    for (let i = lo; i < src.length && src[i].start_ms < c.local.end_ms; i++) {
      if (src[i].end_ms > c.local.start_ms) { parts.push(src[i].text); }
    }
    return parts.join("\n");
  }

  function makeCue(data) {
    const c = {
      id: data.id,
      server: { version: data.version, start_ms: data.start_ms, end_ms: data.end_ms, text: data.text || "",
        flags: data.flags || [], status: data.status, words: data.words || [], updated_by: data.updated_by,
        source_changed: !!data.source_changed },
      local: { text: data.text || "", start_ms: data.start_ms, end_ms: data.end_ms },
      findings: data.findings || [], findingsKey: JSON.stringify(data.findings || []),
      timer: 0, inflight: null, failing: false, retryMs: 0, error: null, conflict: null, removed: false,
      el: null, sourceText: "",
    };
    S.byId.set(c.id, c);
    return c;
  }

  const rowTemplate = (function () {
    const row = el("div", "cue");
    row.innerHTML = '<div class="c-num"></div><div class="c-time"><span class="c-in tc"></span>' +
      '<span class="c-out tc"></span><span class="c-metrics"></span></div>' +
      (root.querySelector(".ws-list.with-source") ? '<div class="c-src"></div>' : "") +
      '<div class="c-tgt"><div class="c-edit"><textarea class="c-ta" rows="1" spellcheck="false"></textarea></div>' +
      '<div class="c-extra"></div></div>';
    return row;
  })();

  function buildRow(c, index) {
    const row = rowTemplate.cloneNode(true);
    row.dataset.id = c.id;
    const kids = row.children;
    const refs = { row, num: kids[0], tin: kids[1].children[0], tout: kids[1].children[1], metrics: kids[1].children[2] };
    let k = 2;
    if (S.hasSource) { refs.src = kids[k++]; refs.src.lang = S.track.source_language || ""; }
    refs.ta = kids[k].children[0].children[0];
    refs.extra = kids[k].children[1];
    refs.ta.lang = LANG;
    refs.ta.value = c.local.text;
    if (!S.editable) { refs.ta.readOnly = true; }
    c.el = refs;
    renumber(c, index);
    renderTimes(c);
    renderMetrics(c);
    if (S.hasSource) { renderSource(c); }
    renderExtra(c);
    return row;
  }

  function renumber(c, index) {
    const n = String(index + 1);
    if (c.el.num.textContent !== n) {
      c.el.num.textContent = n;
      c.el.ta.setAttribute("aria-label", T("Text of cue {n}", { n }));
    }
  }
  function renumberFrom(start) {
    for (let i = Math.max(0, start); i < S.cues.length; i++) { renumber(S.cues[i], i); }
  }

  function renderTimes(c) {
    c.el.tin.textContent = tc(c.local.start_ms);
    c.el.tout.textContent = tc(c.local.end_ms);
    const changed = c.local.start_ms !== c.server.start_ms || c.local.end_ms !== c.server.end_ms;
    c.el.row.classList.toggle("time-dirty", changed);
  }

  function renderMetrics(c) {
    const r = S.rules;
    const text = c.local.text;
    const seconds = Math.max(1, c.local.end_ms - c.local.start_ms) / 1000;
    const chars = charCount(text);
    const cps = chars / seconds;
    const lines = normText(text).split("\n").filter(Boolean);
    let html = '<span title="' + escapeAttr(T("characters per second")) + '" class="' + (cps > r.max_chars_per_second ? "over" : "") + '">' +
      seconds.toFixed(2) + " s · " + cps.toFixed(1) + " cps</span>";
    if (lines.length) {
      html += '<span class="c-lines" title="' + escapeAttr(T("chars per line")) + '">' + lines.map((line, i) => {
        const n = [...line].length;
        const over = n > r.max_chars_per_line || i >= r.max_lines;
        return over ? '<b class="over">' + n + "/" + r.max_chars_per_line + "</b>" : n + "/" + r.max_chars_per_line;
      }).join(" · ") + "</span>";
    }
    c.el.metrics.innerHTML = html;
  }
  function escapeAttr(s) { return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;"); }

  function renderSource(c) {
    const text = sourceFor(c);
    if (text !== c.sourceText || !c.el.src.textContent) {
      c.sourceText = text;
      c.el.src.textContent = text;
    }
  }

  function unsureWords(c) {
    return (c.server.words || []).some((w) => Number(w[3]) < 0.5);
  }
  function needsCheck(c) {
    return c.server.status !== "confirmed" && ((c.server.flags || []).length > 0 || unsureWords(c));
  }

  // The extras under a cue: unsure words, flags and Confirm, QC findings, comments, errors.
  function renderExtra(c) {
    const box = c.el.extra;
    const parts = [];
    const check = needsCheck(c);
    c.el.row.classList.toggle("flagged", check);
    if (check) {
      if (unsureWords(c)) {
        const words = el("div", "c-words");
        words.title = T("The speech engines were unsure of the marked words");
        words.lang = S.track.role === "original" ? LANG : "";
        for (const w of c.server.words) {
          const prob = Number(w[3]);
          if (prob < 0.5) {
            const mark = el("mark", "unsure", w[0]);
            mark.title = Math.round(prob * 100) + "%";
            words.appendChild(mark);
          } else {
            words.appendChild(document.createTextNode(w[0]));
          }
          words.appendChild(document.createTextNode(" "));
        }
        parts.push(words);
      }
      const flags = el("div", "c-flags");
      for (const f of c.server.flags || []) { flags.appendChild(el("span", "chip flag", T(f))); }
      if (S.editable) {
        const button = el("button", "small c-confirm", "✓ " + T("Confirm"));
        button.type = "button";
        button.dataset.act = "confirm";
        button.title = T("Confirm that a person checked this cue") + " (Ctrl+Shift+Enter)";
        flags.appendChild(button);
      }
      parts.push(flags);
    }
    let worst = "";
    if (c.findings.length) {
      const ul = el("ul", "c-findings");
      for (const f of c.findings) {
        const li = el("li", "finding " + f.severity, f.message);
        li.dataset.check = f.check;
        if (f.spelling) { spellingFixes(f, li); }
        ul.appendChild(li);
        if (f.severity === "error") { worst = "error"; } else if (f.severity === "warning" && worst !== "error") { worst = "warning"; }
      }
      parts.push(ul);
    }
    // The source cue changed after this translation was written: marked until the
    // translator rewrites it or confirms it still holds (kept in the track's history).
    c.el.row.classList.toggle("source-changed", !!c.server.source_changed);
    if (c.server.source_changed) {
      const mark = el("div", "c-source-changed");
      mark.appendChild(el("span", "", "⚠ " + T("The source changed after this translation was written")));
      if (S.editable) {
        const ok = el("button", "small c-source-ok", "✓ " + T("Still right"));
        ok.type = "button";
        ok.dataset.act = "source-ok";
        ok.title = T("Confirm that the translation still matches its new source");
        mark.appendChild(ok);
      }
      parts.push(mark);
    }
    c.el.row.classList.toggle("qc-error", worst === "error");
    c.el.row.classList.toggle("qc-warning", worst === "warning");
    const notes = S.comments.get(c.id) || [];
    if (notes.length || S.canReview) {
      const wrap = el("div", "c-comments");
      for (const note of notes) {
        const item = el("div", "c-comment" + (note.resolved ? " resolved" : ""));
        item.appendChild(el("span", "c-comment-by", (note.by || "?") + ": "));
        item.appendChild(el("span", "c-comment-text", note.text));
        if (note.resolved) {
          item.appendChild(el("span", "muted small", " (" + T("resolved") + ")"));
        } else {
          const b = el("button", "small link-button", T("Resolve"));
          b.type = "button";
          b.dataset.act = "resolve";
          b.dataset.comment = note.id;
          item.appendChild(b);
        }
        wrap.appendChild(item);
      }
      if (S.canReview) {
        const b = el("button", "small link-button c-add-comment", "✎ " + T("Comment"));
        b.type = "button";
        b.dataset.act = "comment";
        b.title = T("Add a comment on this cue");
        wrap.appendChild(b);
      }
      parts.push(wrap);
    }
    c.el.row.classList.toggle("has-open-comment", notes.some((n) => !n.resolved));
    if (c.error) {
      const err = el("div", "c-error", c.error);
      err.setAttribute("role", "alert");
      parts.push(err);
    }
    box.replaceChildren(...parts);
    renderSpelling(c);
  }

  // ---- spelling (Vietnamese tracks) --------------------------------------------------------
  // QC gives each unknown syllable with its offset (code points) in the text it checked. The
  // marks are drawn on a transparent copy of the text laid over the textarea, so typing is
  // untouched; the text may have changed since, so each word is found again near its offset.
  // A suggestion is applied only when a person clicks it, then saved like any edit.
  const LETTER = /[\p{L}\p{M}]/u;
  function unitIndex(text, codePoints) {
    let units = 0, count = 0;
    for (const ch of text) { if (count >= codePoints) { break; } units += ch.length; count++; }
    return units;
  }
  function locateWord(text, word, near) {
    const fits = (at) => text.startsWith(word, at) && !LETTER.test(text.charAt(at - 1)) &&
      !LETTER.test(text.charAt(at + word.length));
    if (fits(near)) { return near; }
    let best = -1;
    for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
      if (fits(at) && (best < 0 || Math.abs(at - near) < Math.abs(best - near))) { best = at; }
    }
    return best;
  }
  function spellingMarks(c) {
    const marks = [];
    for (const f of c.findings) {
      const sp = f.spelling;
      if (!sp || !sp.word) { continue; }
      const at = locateWord(c.local.text, sp.word, unitIndex(c.server.text, sp.start));
      if (at >= 0 && !marks.some((m) => at < m.end && m.start < at + sp.word.length)) {
        marks.push({ start: at, end: at + sp.word.length, f });
      }
    }
    return marks.sort((a, b) => a.start - b.start);
  }
  function renderSpelling(c) {
    if (!c.el) { return; }
    let layer = c.el.spell;
    if (!c.findings.some((f) => f.spelling)) {
      if (layer) { layer.remove(); c.el.spell = null; c.el.ta.removeAttribute("title"); }
      return;
    }
    if (!layer) {
      layer = c.el.spell = el("div", "c-spell");
      layer.setAttribute("aria-hidden", "true");
      c.el.ta.after(layer);
    }
    const text = c.local.text;
    const marks = spellingMarks(c);
    const parts = [];
    let at = 0;
    for (const m of marks) {
      parts.push(document.createTextNode(text.slice(at, m.start)));
      const mark = el("span", "sp-mark" + (m.f.severity === "info" ? " sp-name" : ""), text.slice(m.start, m.end));
      mark.dataset.word = m.f.spelling.word;
      parts.push(mark);
      at = m.end;
    }
    parts.push(document.createTextNode(text.slice(at) + "\u200b")); // keeps a last empty line
    layer.replaceChildren(...parts);
    layer.scrollTop = c.el.ta.scrollTop;
    if (marks.length) {
      c.el.ta.title = T("Not in the Vietnamese dictionary: {words}", { words: marks.map((m) => {
        const fixes = m.f.spelling.suggestions || [];
        return m.f.spelling.word + (fixes.length ? " → " + fixes.join(", ") : "");
      }).join("; ") });
    } else {
      c.el.ta.removeAttribute("title");
    }
  }
  function spellingFixes(f, li) {
    const sp = f.spelling;
    const fixes = sp.suggestions || [];
    if (!S.editable || !fixes.length) { return; }
    if (f.severity !== "info") { // short form; the whole sentence stays in the tooltip
      li.title = f.message;
      li.replaceChildren(T("Spelling") + ": ", el("span", "sp-word", sp.word), " → ");
    }
    const box = el("span", "sp-fixes");
    for (const fix of fixes) {
      const b = el("button", "small sp-fix", fix);
      b.type = "button";
      b.dataset.act = "spell";
      b.dataset.word = sp.word;
      b.dataset.start = sp.start;
      b.dataset.fix = fix;
      b.title = T("Replace “{word}” with “{suggestion}”", { word: sp.word, suggestion: fix });
      box.appendChild(b);
    }
    li.appendChild(box);
  }
  function applySpelling(c, button) {
    if (!editable(c)) { return; }
    const word = button.dataset.word, fix = button.dataset.fix;
    const at = locateWord(c.local.text, word, unitIndex(c.server.text, Number(button.dataset.start)));
    if (at < 0) { say(T("The cue changed meanwhile; check it and try again"), "error"); return; }
    setCurrent(c, {});
    setText(c, c.local.text.slice(0, at) + fix + c.local.text.slice(at + word.length), true);
    focusCue(c, at + fix.length);
  }

  function renderState(c) {
    const row = c.el && c.el.row;
    if (!row) { return; }
    row.classList.toggle("unsaved", dirty(c) || !!c.inflight);
    row.classList.toggle("failing", !!c.failing);
    row.classList.toggle("conflict", !!c.conflict);
    row.classList.toggle("refused", !!c.error);
    renderTimes(c);
  }

  // ---- applying what the server says -------------------------------------------------------
  function adoptServer(c, data) {
    c.server = { version: data.version, start_ms: data.start_ms, end_ms: data.end_ms, text: data.text || "",
      flags: data.flags || [], status: data.status, words: data.words || [], updated_by: data.updated_by,
      source_changed: !!data.source_changed };
  }

  // After a save: the server's values become the base; the textarea keeps what the user is typing.
  function applySaved(c, data, sent) {
    adoptServer(c, data);
    const ta = c.el.ta;
    if (sent.text !== undefined && normText(c.local.text) === c.server.text && document.activeElement !== ta &&
        ta.value !== c.server.text) {
      ta.value = c.server.text;
      c.local.text = c.server.text;
    }
    if (sent.start_ms !== undefined && c.local.start_ms === sent.start_ms) { c.local.start_ms = c.server.start_ms; }
    if (sent.end_ms !== undefined && c.local.end_ms === sent.end_ms) { c.local.end_ms = c.server.end_ms; }
    if (data.findings) { setFindings(c, data.findings); }
    renderExtra(c);
  }

  // Replace everything local with the server's cue (take theirs, split/merge results).
  function replaceLocal(c, data) {
    adoptServer(c, data);
    c.local = { text: c.server.text, start_ms: c.server.start_ms, end_ms: c.server.end_ms };
    if (c.el) {
      c.el.ta.value = c.server.text;
      renderMetrics(c);
      requestDraw();
      if (S.hasSource) { renderSource(c); }
      if (data.findings) { setFindings(c, data.findings); }
      renderExtra(c);
      renderState(c);
    }
    unpersist(c);
  }

  function setFindings(c, findings) {
    const key = JSON.stringify(findings || []);
    if (key === c.findingsKey) { return false; }
    c.findings = findings || [];
    c.findingsKey = key;
    return true;
  }

  // findings: {cue_id: [...]} for every cue, or only for the ids in `only` (a partial answer).
  function applyQc(findings, qc, only) {
    if (findings) {
      const cues = Array.isArray(only) ? only.map((id) => S.byId.get(Number(id))).filter(Boolean) : S.cues;
      for (const c of cues) {
        if (setFindings(c, findings[String(c.id)] || [])) { renderExtra(c); }
      }
    }
    if (qc) {
      const counts = qc.counts || {};
      for (const node of document.querySelectorAll("#qc-summary [data-count]")) {
        node.textContent = counts[node.dataset.count] || 0;
      }
      const ul = $("ws-track-qc");
      if (ul) {
        ul.replaceChildren(...(qc.track || []).map((f) => el("li", f.severity, f.message)));
        ul.hidden = !(qc.track || []).length;
      }
    }
  }

  // ---- saving --------------------------------------------------------------------------
  function schedule(c, delay) {
    if (!S.editable || c.removed) { return; }
    clearTimeout(c.timer);
    c.timer = setTimeout(() => { c.timer = 0; save(c); }, delay === undefined ? TEXT_DELAY : delay);
    S.attention.add(c);
    persist(c);
    renderState(c);
    updateSaveState();
  }

  async function save(c, keepalive) {
    if (c.inflight || c.conflict || c.removed) { return c.inflight; }
    clearTimeout(c.timer);
    c.timer = 0;
    if (!dirty(c)) {
      c.failing = false;
      unpersist(c);
      renderState(c);
      updateSaveState();
      return null;
    }
    const body = { version: c.server.version };
    const sent = {};
    if (normText(c.local.text) !== c.server.text) { body.text = sent.text = c.local.text.normalize("NFC"); }
    if (c.local.start_ms !== c.server.start_ms) { body.start_ms = sent.start_ms = c.local.start_ms; }
    if (c.local.end_ms !== c.server.end_ms) { body.end_ms = sent.end_ms = c.local.end_ms; }
    const baseVersion = c.server.version;
    S.attention.add(c);
    const request = api("PATCH", "/api/cues/" + c.id, body, keepalive);
    c.inflight = request;
    renderState(c);
    updateSaveState();
    let res;
    try { res = await request; } finally { c.inflight = null; }
    if (c.removed) { return null; }
    if (res.ok) {
      S.signedOut = false;
      c.failing = false;
      c.retryMs = 0;
      c.error = null;
      const data = res.data.cues && res.data.cues[0];
      if (data) { applySaved(c, data, sent); }
      applyQc(res.data.findings, res.data.qc, res.data.findings_for);
      reloadVtt();
      if (c === S.current && S.track.role === "original") { lookupSoon(c); }
      if (dirty(c)) { schedule(c, 150); } else { unpersist(c); }
    } else if (res.status === 409 && res.data && res.data.conflict && res.data.conflict.theirs &&
               res.data.conflict.theirs.version !== baseVersion) {
      conflict(c, res.data.conflict.theirs, c.server);
    } else if (res.retry) {
      S.signedOut = !!res.signedOut;
      c.failing = true;
      c.retryMs = Math.min(30000, c.retryMs ? c.retryMs * 2 : 1000);
      clearTimeout(c.timer);
      c.timer = setTimeout(() => { c.timer = 0; save(c); }, c.retryMs);
    } else {
      // Refused (validation, permission, read-only): the text stays, the timing goes back.
      if (res.status === 404) { refresh(); }
      c.failing = false;
      c.error = (res.data && res.data.error) || String(res.status);
      c.local.start_ms = c.server.start_ms;
      c.local.end_ms = c.server.end_ms;
      renderMetrics(c);
      renderExtra(c);
      requestDraw();
      say(c.error, "error");
    }
    renderState(c);
    updateSaveState();
    return null;
  }

  // Save now and wait: before a split, merge or confirm, which need the latest version.
  async function flush(c) {
    for (let i = 0; i < 5; i++) {
      if (c.inflight) { await c.inflight; continue; }
      if (c.conflict || c.error || c.failing) { return false; }
      if (!dirty(c)) { return true; }
      await save(c);
    }
    return !dirty(c) && !c.conflict;
  }

  function retryAll() {
    for (const c of S.attention) { if (c.failing && !c.inflight) { save(c); } }
  }

  // ---- conflicts ------------------------------------------------------------------------
  // Three-way, field by field: what only one side changed is kept; a field both changed
  // differently is a real conflict and the user chooses. Nothing is overwritten silently.
  function conflict(c, theirs, base) {
    const me = mine(c);
    const fields = ["text", "start_ms", "end_ms"];
    const clash = fields.some((f) => me[f] !== base[f] && theirs[f] !== base[f] && me[f] !== theirs[f]);
    if (!clash) {
      const merged = {};
      for (const f of fields) { merged[f] = me[f] !== base[f] ? me[f] : theirs[f]; }
      adoptServer(c, theirs);
      if (merged.text !== me.text) { c.local.text = merged.text; c.el.ta.value = merged.text; renderMetrics(c); }
      c.local.start_ms = merged.start_ms;
      c.local.end_ms = merged.end_ms;
      renderExtra(c);
      if (dirty(c)) { schedule(c, 0); } else { unpersist(c); renderState(c); updateSaveState(); }
      requestDraw();
      return;
    }
    c.conflict = theirs;
    S.attention.add(c);
    if (!S.conflicts.includes(c)) { S.conflicts.push(c); }
    renderState(c);
    updateSaveState();
    openConflict();
  }

  function openConflict() {
    const dialog = $("ws-conflict");
    if (!dialog || dialog.open || !S.conflicts.length) { return; }
    const c = S.conflicts[0];
    const theirs = c.conflict;
    S.dialogCue = c;
    $("ws-conflict-cue").textContent = "(" + T("Cue {n}", { n: indexOf(c) + 1 }) + ")";
    $("ws-conflict-who").textContent = theirs.updated_by ? T("changed by {who}", { who: theirs.updated_by }) : "";
    $("ws-conflict-theirs").textContent = theirs.text;
    $("ws-conflict-theirs-times").textContent = tc(theirs.start_ms) + " → " + tc(theirs.end_ms);
    $("ws-conflict-yours").textContent = normText(c.local.text);
    $("ws-conflict-yours-times").textContent = tc(c.local.start_ms) + " → " + tc(c.local.end_ms);
    setCurrent(c, { scroll: true });
    dialog.showModal();
    $("ws-keep-mine").focus();
  }

  function closeConflict(choice) {
    const dialog = $("ws-conflict");
    const c = S.dialogCue;
    if (!c) { return; }
    const theirs = c.conflict;
    S.conflicts.shift();
    S.dialogCue = null;
    c.conflict = null;
    dialog.close();
    if (choice === "mine") {
      adoptServer(c, theirs); // their version is the new base; ours is saved on top of it
      c.error = null;
      renderExtra(c);
      schedule(c, 0);
    } else {
      replaceLocal(c, theirs);
      renderState(c);
      requestDraw();
      updateSaveState();
    }
    if (S.conflicts.length) { setTimeout(openConflict, 50); } else if (c.el) { focusCue(c); }
  }

  // ---- editing -----------------------------------------------------------------------------
  function pushUndo(c, kind, before, after, sealed) {
    const last = S.undo[S.undo.length - 1];
    const now = Date.now();
    // Typing in one cue is one step until a pause; each timing change is a step of its own.
    if (!sealed && kind === "text" && last && !last.sealed && last.id === c.id && last.kind === kind && now - last.t < 1500) {
      last.after = after;
      last.t = now;
    } else {
      S.undo.push({ id: c.id, kind, before, after, t: now, sealed: !!sealed });
      if (S.undo.length > 500) { S.undo.shift(); }
    }
    S.redo.length = 0;
  }

  function onInput(event) {
    const ta = event.target;
    if (!isCueTextarea(ta)) { return; }
    const c = cueOfNode(ta);
    if (!c || !S.editable) { return; }
    const before = c.local.text;
    c.local.text = ta.value;
    c.error = null;
    pushUndo(c, "text", { text: before }, { text: ta.value });
    S.typedSincePlay = true;
    S.lastInputAt = Date.now();
    renderMetrics(c);
    requestDraw(); // the waveform labels show the text
    if (c.el.row.querySelector(".c-error")) { renderExtra(c); } else if (c.el.spell) { renderSpelling(c); }
    if (c !== S.current) { setCurrent(c, {}); }
    schedule(c, TEXT_DELAY);
    if (!isVideo && caption && c === S.playing) { caption.textContent = c.local.text; }
  }

  function setText(c, text, sealed) {
    const before = c.local.text;
    if (before === text) { return; }
    c.local.text = text;
    c.el.ta.value = text;
    c.error = null;
    pushUndo(c, "text", { text: before }, { text }, sealed);
    renderMetrics(c);
    if (c.el.spell) { renderSpelling(c); }
    requestDraw();
    schedule(c, 200);
  }

  function sourceSpanProblem(start, end) {
    if (!S.hasSource || !S.source.length) { return null; }
    const covering = S.source.filter((s) => s.start_ms < end && start < s.end_ms);
    if (!covering.length || start < covering[0].start_ms || end > covering[covering.length - 1].end_ms) {
      return T("A translated cue must stay inside its source cue's timing ({start} – {end} ms)", {
        start: covering.length ? covering[0].start_ms : 0, end: covering.length ? covering[covering.length - 1].end_ms : 0,
      });
    }
    return null;
  }

  function setTiming(c, start, end, undoBefore) {
    start = Math.max(0, Math.round(start));
    end = Math.round(end);
    if (end <= start) { say(T("A cue must end after it starts"), "error"); return false; }
    const problem = sourceSpanProblem(start, end);
    if (problem) { say(problem, "error"); return false; }
    const before = undoBefore || { start_ms: c.local.start_ms, end_ms: c.local.end_ms };
    if (start === before.start_ms && end === before.end_ms && !undoBefore) { return false; }
    c.local.start_ms = start;
    c.local.end_ms = end;
    c.error = null;
    pushUndo(c, "time", before, { start_ms: start, end_ms: end });
    renderTimes(c);
    renderMetrics(c);
    if (S.hasSource) { renderSource(c); }
    renderExtra(c);
    requestDraw();
    schedule(c, TIME_DELAY);
    return true;
  }

  function editable(c) { return !!c && S.editable && !c.removed && !c.conflict; }

  function nudge(edge, frames) {
    const c = S.current;
    if (!editable(c)) { return; }
    const delta = frames * S.frame;
    if (edge === "in") { setTiming(c, c.local.start_ms + delta, c.local.end_ms); } else { setTiming(c, c.local.start_ms, c.local.end_ms + delta); }
  }

  function setAtPlayhead(edge) {
    const c = S.current;
    if (!editable(c) || !player) { return; }
    const t = snap(playheadMs());
    if (edge === "in") { setTiming(c, t, c.local.end_ms); } else { setTiming(c, c.local.start_ms, t); }
  }

  function applyValues(c, values) {
    if ("text" in values) {
      c.local.text = values.text;
      c.el.ta.value = values.text;
      renderMetrics(c);
      if (c.el.spell) { renderSpelling(c); }
      requestDraw();
    }
    if ("start_ms" in values) {
      c.local.start_ms = values.start_ms;
      c.local.end_ms = values.end_ms;
      renderTimes(c);
      renderMetrics(c);
      if (S.hasSource) { renderSource(c); }
      requestDraw();
    }
    c.error = null;
    schedule(c, 100);
  }

  // ---- one action at a time -----------------------------------------------------------
  // Split, merge, insert, delete, undo and redo talk to the server and change the list; a
  // second one must not start from a half-changed list (two quick Ctrl+Z), so they queue.
  // data-busy says a queued action is still running (for tests and other scripts).
  S.chain = Promise.resolve();
  S.queued = 0;
  function serial(fn) {
    return function (...args) {
      S.queued += 1;
      root.dataset.busy = "1";
      const run = S.chain.then(() => fn(...args)).catch((err) => {
        setTimeout(() => { throw err; }); // reported like any error; the queue goes on
      }).finally(() => {
        S.queued -= 1;
        if (!S.queued) { delete root.dataset.busy; }
      });
      S.chain = run;
      return run;
    };
  }

  // ---- undo and redo ---------------------------------------------------------------------
  // Every action is one step, and undoing it is its exact inverse on the server too: a split
  // is undone by merging the two halves back into the cue's own text and times, a merge by
  // splitting at the old boundary with both old texts and times, an insert by deleting the
  // cue, a delete by inserting the old text and times. Steps are taken back in order, and a
  // step applies only to cues that are still as it left them: if someone else changed one
  // since, the step is refused with a message, never replayed over their text. Each server
  // call carries the versions the page saw, so the server refuses a stale one (409).
  function snapshot(c) { return { text: c.server.text, start_ms: c.server.start_ms, end_ms: c.server.end_ms }; }
  function matches(c, v) {
    if (!c || c.removed) { return false; }
    if ("text" in v && normText(c.local.text) !== normText(v.text)) { return false; }
    if ("start_ms" in v && (c.local.start_ms !== v.start_ms || c.local.end_ms !== v.end_ms)) { return false; }
    return true;
  }
  function pushStep(entry) {
    const last = S.undo[S.undo.length - 1];
    if (last) { last.sealed = true; }
    entry.t = Date.now();
    entry.sealed = true;
    S.undo.push(entry);
    if (S.undo.length > 500) { S.undo.shift(); }
    S.redo.length = 0;
  }
  // A cue made again by an undo or redo has a new id: the steps that name the old one follow.
  function remapId(old, id) {
    for (const e of S.undo.concat(S.redo, S.stepInFlight ? [S.stepInFlight] : [])) {
      if (e.id === old) { e.id = id; }
      if (e.other === old) { e.other = id; }
    }
  }

  // Outcomes of a step: "done"; "stale" (cannot apply any more: dropped, the user is told);
  // "failed" (could not reach the server: the step stays, to try again).
  function changedSince(c, undoing) {
    say(T(undoing ? "Cue {n} has changed since this step; it was not undone" : "Cue {n} has changed since this step; it was not redone",
      { n: c && !c.removed ? indexOf(c) + 1 : "?" }), "error");
    return "stale";
  }
  function refused(c, res) {
    if (res.retry) {
      say(T("No connection to the server; nothing was changed, try again"), "error");
      return "failed";
    }
    structuralFailure(c, res);
    if (res.status === 409 || res.status === 404) { refresh(); }
    return "stale";
  }
  async function ready(...cues) {
    for (const c of cues) {
      if (c.conflict) { say(T("Resolve the conflict on cue {n} first", { n: indexOf(c) + 1 }), "error"); return false; }
      if (!(await flush(c))) { say(T("Finish or resolve the unsaved cues first"), "error"); return false; }
    }
    return true;
  }

  function valueStep(entry, undoing) {
    const c = S.byId.get(entry.id);
    const from = undoing ? entry.after : entry.before;
    if (c && c.conflict) { say(T("Resolve the conflict on cue {n} first", { n: indexOf(c) + 1 }), "error"); return "failed"; }
    if (!matches(c, from)) { return changedSince(c, undoing); }
    applyValues(c, undoing ? entry.before : entry.after);
    if (c !== S.current) { setCurrent(c, { scroll: true }); }
    return "done";
  }

  // The server's answer to a split: the left half replaces the cue, the right one follows it.
  function showSplit(c, res) {
    const [left, right] = res.data.cues;
    replaceLocal(c, left);
    const i = indexOf(c);
    const added = makeCue(right);
    S.cues.splice(i + 1, 0, added);
    c.el.row.after(buildRow(added, i + 1));
    renumberFrom(i + 1);
    afterStructure(res);
    return added;
  }
  function showMerge(c, next, res) {
    removeCue(next, true);
    replaceLocal(c, res.data.cues[0]);
    renumberFrom(indexOf(c));
    afterStructure(res);
  }
  // A new cue from the server, in its place by time (the server orders by start, then id).
  function showInserted(res) {
    const data = res.data.cues[0];
    const c = makeCue(data);
    let i = S.cues.length;
    while (i > 0 && S.cues[i - 1].local.start_ms > data.start_ms) { i--; }
    const rowNode = buildRow(c, i);
    if (i < S.cues.length) { S.cues[i].el.row.before(rowNode); } else { list.appendChild(rowNode); }
    S.cues.splice(i, 0, c);
    const empty = list.querySelector(".ws-empty");
    if (empty) { empty.remove(); }
    renumberFrom(i);
    afterStructure(res);
    return c;
  }
  function showDeleted(c, res) {
    const i = indexOf(c);
    removeCue(c, true);
    renumberFrom(i);
    if (!S.cues.length) { list.appendChild(el("p", "muted ws-empty", T("No cues yet"))); }
    afterStructure(res);
    const near = S.cues[Math.min(i, S.cues.length - 1)];
    if (near) { setCurrent(near, { focus: true }); }
  }
  function afterStructure(res) {
    applyQc(res.data.findings, res.data.qc, res.data.findings_for);
    reloadVtt();
    requestDraw();
    updateSaveState();
  }

  const callSplit = (c, at, leftText, rightText, rightStart) => api("POST", "/api/cues/" + c.id + "/split",
    { version: c.server.version, at_ms: at, left_text: leftText, right_text: rightText, right_start_ms: rightStart });
  const callMerge = (c, next, text) => api("POST", "/api/cues/" + c.id + "/merge",
    { version: c.server.version, next_version: next.server.version, next_id: next.id, text });
  const callInsert = (v) => api("POST", "/api/tracks/" + TRACK_ID + "/cues", { start_ms: v.start_ms, end_ms: v.end_ms, text: v.text });
  const callDelete = (c) => api("DELETE", "/api/cues/" + c.id, { version: c.server.version });

  const STEPS = {
    text: { undo: (e) => valueStep(e, true), redo: (e) => valueStep(e, false) },
    time: { undo: (e) => valueStep(e, true), redo: (e) => valueStep(e, false) },
    split: {
      async undo(e) { // merge the halves back into the cue's own text and times
        const left = S.byId.get(e.id), right = S.byId.get(e.other);
        if (!left || !right || indexOf(right) !== indexOf(left) + 1 ||
            !matches(left, e.after.left) || !matches(right, e.after.right)) { return changedSince(left, true); }
        if (!(await ready(left, right))) { return "failed"; }
        const res = await callMerge(left, right, e.before.text);
        if (!res.ok) { return refused(left, res); }
        showMerge(left, right, res);
        setCurrent(left, { focus: true });
        return "done";
      },
      async redo(e) {
        const c = S.byId.get(e.id);
        if (!matches(c, e.before)) { return changedSince(c, false); }
        if (!(await ready(c))) { return "failed"; }
        const res = await callSplit(c, e.after.left.end_ms, e.after.left.text, e.after.right.text, e.after.right.start_ms);
        if (!res.ok) { return refused(c, res); }
        const added = showSplit(c, res);
        remapId(e.other, added.id);
        setCurrent(added, { focus: true, caret: 0 });
        return "done";
      },
    },
    merge: {
      async undo(e) { // split at the old boundary, each half with its old text and times
        const c = S.byId.get(e.id);
        const first = e.before.first, second = e.before.second;
        if (!matches(c, e.after)) { return changedSince(c, true); }
        if (!(first.end_ms < c.local.end_ms && second.start_ms >= first.end_ms)) { return changedSince(c, true); }
        if (!(await ready(c))) { return "failed"; }
        const res = await callSplit(c, first.end_ms, first.text, second.text, second.start_ms);
        if (!res.ok) { return refused(c, res); }
        const added = showSplit(c, res);
        remapId(e.other, added.id);
        setCurrent(c, { focus: true });
        return "done";
      },
      async redo(e) {
        const c = S.byId.get(e.id), next = S.byId.get(e.other);
        if (!c || !next || indexOf(next) !== indexOf(c) + 1 ||
            !matches(c, e.before.first) || !matches(next, e.before.second)) { return changedSince(c, false); }
        if (!(await ready(c, next))) { return "failed"; }
        const res = await callMerge(c, next, e.after.text);
        if (!res.ok) { return refused(c, res); }
        showMerge(c, next, res);
        setCurrent(c, { focus: true });
        return "done";
      },
    },
    insert: {
      undo: (e) => removeStep(e, e.after, true),
      redo: (e) => insertStep(e, e.after),
    },
    delete: {
      undo: (e) => insertStep(e, e.before),
      redo: (e) => removeStep(e, e.before, false),
    },
  };
  async function insertStep(e, values) {
    const res = await callInsert(values);
    if (!res.ok) { return refused(null, res); }
    const c = showInserted(res);
    remapId(e.id, c.id);
    setCurrent(c, { focus: true, scroll: true });
    return "done";
  }
  async function removeStep(e, values, undoing) {
    const c = S.byId.get(e.id);
    if (!matches(c, values)) { return changedSince(c, undoing); }
    if (!(await ready(c))) { return "failed"; }
    const res = await callDelete(c);
    if (!res.ok) { return refused(c, res); }
    showDeleted(c, res);
    return "done";
  }

  async function undoRedo(undoing) {
    if (!S.editable) { return; }
    const from = undoing ? S.undo : S.redo;
    const entry = from.pop();
    if (!entry) { say(T(undoing ? "Nothing to undo" : "Nothing to redo")); return; }
    const depth = from.length;
    S.stepInFlight = entry; // off both stacks while it runs, and its ids may change
    let outcome;
    try { outcome = await STEPS[entry.kind][undoing ? "undo" : "redo"](entry); } finally { S.stepInFlight = null; }
    if (outcome === "done") {
      entry.sealed = true;
      const top = S.undo[S.undo.length - 1];
      if (top) { top.sealed = true; } // typing after an undo is a step of its own
      (undoing ? S.redo : S.undo).push(entry);
      say(T(undoing ? "Undone" : "Redone"));
    } else if (outcome === "failed" && from.length === depth) {
      from.push(entry); // nothing happened: the same step is next again
    }
  }
  const undo = serial(() => undoRedo(true));
  const redo = serial(() => undoRedo(false));

  // ---- split, merge, insert, delete ------------------------------------------------------
  async function doSplit() {
    const c = S.current;
    if (!editable(c)) { return; }
    const ta = c.el.ta;
    const text = c.local.text;
    const caret = document.activeElement === ta ? ta.selectionStart : null;
    const caretInside = caret !== null && caret > 0 && caret < text.length;
    const raw = player ? playheadMs() : -1;
    const t = snap(raw);
    let at;
    // The playhead counts only when it is really inside the cue (more than a frame from
    // either edge): a click seeks to the cue's start, and that must not cut a 20 ms sliver.
    if (raw - c.local.start_ms >= S.frame && c.local.end_ms - raw >= S.frame &&
        t > c.local.start_ms && t < c.local.end_ms) {
      at = t;
    } else if (caretInside) {
      at = snap(c.local.start_ms + (c.local.end_ms - c.local.start_ms) * caret / text.length);
    } else {
      at = snap((c.local.start_ms + c.local.end_ms) / 2);
    }
    if (!(at > c.local.start_ms && at < c.local.end_ms)) { say(T("Split needs a cue and a point inside it"), "error"); return; }
    const body = { at_ms: at };
    if (caretInside) {
      body.left_text = text.slice(0, caret).normalize("NFC");
      body.right_text = text.slice(caret).normalize("NFC");
    }
    if (!(await flush(c))) { return; }
    const before = snapshot(c);
    body.version = c.server.version;
    const res = await api("POST", "/api/cues/" + c.id + "/split", body);
    if (!res.ok) { return structuralFailure(c, res); }
    const added = showSplit(c, res);
    pushStep({ kind: "split", id: c.id, other: added.id, before, after: { left: snapshot(c), right: snapshot(added) } });
    say(T("Cue split in two"));
    setCurrent(added, { focus: true, caret: 0 });
  }

  async function doMerge() {
    const c = S.current;
    if (!editable(c)) { return; }
    const i = indexOf(c);
    const next = S.cues[i + 1];
    if (!next) { say(T("There is no next cue to merge with"), "error"); return; }
    if (!(await flush(c)) || !(await flush(next))) { return; }
    const before = { first: snapshot(c), second: snapshot(next) };
    const res = await callMerge(c, next);
    if (!res.ok) {
      if (res.status === 409) { refresh(); }
      return structuralFailure(c, res);
    }
    showMerge(c, next, res);
    pushStep({ kind: "merge", id: c.id, other: next.id, before, after: snapshot(c) });
    say(T("Cues merged"));
    focusCue(c);
  }

  // A new empty cue after the current one, in the free time before the next (at most 2 s;
  // on an empty track at the playhead).
  async function doInsert() {
    if (!S.editable) { return; }
    const c = S.current && !S.current.removed ? S.current : null;
    const gap = Number.isFinite(Number(S.rules.min_gap_ms)) ? Number(S.rules.min_gap_ms) : 80;
    const start = c ? c.local.end_ms + gap : Math.max(0, snap(playheadMs()));
    const next = c ? S.cues[indexOf(c) + 1] : S.cues.find((x) => x.local.start_ms >= start);
    let end = start + 2000;
    if (next) { end = Math.min(end, next.local.start_ms - gap); }
    if (S.durationMs && end > S.durationMs) { end = Math.max(S.durationMs, start + S.frame); }
    if (end - start < S.frame) { say(T("No room after this cue for a new one"), "error"); return; }
    const problem = sourceSpanProblem(start, end);
    if (problem) { say(problem, "error"); return; }
    const values = { text: "", start_ms: start, end_ms: end };
    const res = await callInsert(values);
    if (!res.ok) { return refused(null, res); }
    const added = showInserted(res);
    pushStep({ kind: "insert", id: added.id, after: snapshot(added) });
    say(T("Cue inserted"));
    setCurrent(added, { focus: true, scroll: true });
  }

  async function doDelete() {
    const c = S.current;
    if (!editable(c)) { return; }
    if (!(await flush(c))) { return; }
    const before = snapshot(c);
    const res = await callDelete(c);
    if (!res.ok) { return refused(c, res); }
    showDeleted(c, res);
    pushStep({ kind: "delete", id: c.id, before });
    say(T("Cue deleted (Ctrl+Z brings it back)"));
  }
  const split = serial(doSplit);
  const merge = serial(doMerge);
  const insertCue = serial(doInsert);
  const deleteCue = serial(doDelete);

  function removeCue(c, keepHistory) {
    c.removed = true;
    clearTimeout(c.timer);
    unpersist(c);
    const i = indexOf(c);
    if (i >= 0) { S.cues.splice(i, 1); }
    S.byId.delete(c.id);
    S.attention.delete(c);
    if (!keepHistory) { dropUndo(c.id); } // gone by someone else's hand: its steps go too
    if (c.el) { c.el.row.remove(); }
    if (S.playing === c) { S.playing = null; }
    if (S.current === c) { S.current = null; }
  }

  function dropUndo(id) {
    S.undo = S.undo.filter((e) => e.id !== id && e.other !== id);
    S.redo = S.redo.filter((e) => e.id !== id && e.other !== id);
  }

  function structuralFailure(c, res) {
    const clash = res.status === 409 && res.data && res.data.conflict && res.data.conflict.theirs;
    if (clash && c && res.data.conflict.which !== "next" && clash.version !== c.server.version) {
      conflict(c, clash, c.server);
      return;
    }
    // The next cue changed (or the refusal is about the whole track): its owner's text is
    // not ours to take into this cue; the refresh shows it.
    say((res.data && res.data.error) || T("The cue changed meanwhile; check it and try again"), "error");
  }

  async function confirmCue(c) {
    c = c || S.current;
    if (!editable(c) || !needsCheck(c)) { return; }
    if (!(await flush(c))) { return; }
    const res = await api("POST", "/api/cues/" + c.id + "/confirm", { version: c.server.version });
    if (!res.ok) { return structuralFailure(c, res); }
    const data = res.data.cues[0];
    adoptServer(c, data);
    applyQc(res.data.findings, res.data.qc, res.data.findings_for);
    renderExtra(c);
    say(T("Confirmed"));
  }

  async function confirmSource(c) {
    if (!editable(c) || !c.server.source_changed) { return; }
    if (!(await flush(c))) { return; }
    const res = await api("POST", "/api/cues/" + c.id + "/source-ok", { version: c.server.version });
    if (!res.ok) { return structuralFailure(c, res); }
    adoptServer(c, res.data.cues[0]);
    applyQc(res.data.findings, res.data.qc, res.data.findings_for);
    renderExtra(c);
    say(T("Confirmed against the new source"));
  }

  // ---- comments ------------------------------------------------------------------------
  function openCommentForm(c) {
    const wrap = c.el.extra.querySelector(".c-comments");
    if (!wrap || wrap.querySelector("form")) { return; }
    const form = el("form", "c-comment-form");
    const input = el("input");
    input.type = "text";
    input.required = true;
    input.setAttribute("aria-label", T("Add a comment on this cue"));
    const send = el("button", "small primary", T("Send comment"));
    send.type = "submit";
    const cancel = el("button", "small", T("Cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", () => form.remove());
    form.append(input, send, cancel);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.normalize("NFC").trim();
      if (!text) { return; }
      send.disabled = true;
      const res = await api("POST", "/api/cues/" + c.id + "/comments", { text });
      send.disabled = false;
      if (!res.ok) { say((res.data && res.data.error) || String(res.status), "error"); return; }
      const notes = S.comments.get(c.id) || [];
      notes.push(res.data);
      S.comments.set(c.id, notes);
      renderExtra(c);
    });
    wrap.appendChild(form);
    input.focus();
  }

  async function resolveComment(c, commentId) {
    const res = await api("POST", "/api/comments/" + commentId + "/resolve", {});
    if (!res.ok) { say((res.data && res.data.error) || String(res.status), "error"); return; }
    for (const note of S.comments.get(c.id) || []) { if (note.id === commentId) { note.resolved = true; } }
    renderExtra(c);
  }

  // ---- current cue, navigation, following playback --------------------------------------
  function cueOfNode(node) {
    const row = node && node.closest ? node.closest(".cue") : null;
    return row ? S.byId.get(Number(row.dataset.id)) : null;
  }

  function setCurrent(c, opts) {
    opts = opts || {};
    if (!c || c.removed) { return; }
    if (S.current !== c) {
      if (S.current && S.current.el) { S.current.el.row.classList.remove("current"); }
      S.current = c;
      c.el.row.classList.add("current");
      const last = S.undo[S.undo.length - 1];
      if (last) { last.sealed = true; }
      lookupSoon(c);
      ensureInView(c);
      requestDraw();
    }
    if (opts.seek && player) { seek(c.local.start_ms); }
    if (opts.scroll) { scrollToRow(c, true); }
    if (opts.focus) { focusCue(c, opts.caret); }
  }

  function focusCue(c, caret) {
    const ta = c.el.ta;
    S.programmaticFocus = true;
    ta.focus({ preventScroll: true });
    S.programmaticFocus = false;
    const at = caret === undefined ? ta.value.length : caret;
    try { ta.setSelectionRange(at, at); } catch (err) { /* readonly */ }
    scrollToRow(c, true);
  }

  function scrollToRow(c, smooth) {
    const row = c.el.row;
    const box = list.getBoundingClientRect();
    const r = row.getBoundingClientRect();
    if (r.top >= box.top && r.bottom <= box.bottom) { return; }
    const top = list.scrollTop + (r.top - box.top) - box.height / 3;
    list.scrollTo({ top: Math.max(0, top), behavior: smooth ? "smooth" : "auto" });
    // Rows far away were estimated (content-visibility); correct once the scroll ends.
    const fix = () => {
      const again = row.getBoundingClientRect();
      const b = list.getBoundingClientRect();
      if (again.top < b.top || again.bottom > b.bottom) { list.scrollTop += (again.top - b.top) - b.height / 3; }
    };
    if ("onscrollend" in list && smooth) { list.addEventListener("scrollend", fix, { once: true }); } else { setTimeout(fix, 50); }
  }

  function go(step) {
    if (!S.cues.length) { return; }
    let i = S.current ? indexOf(S.current) : -1;
    i = Math.max(0, Math.min(S.cues.length - 1, i + step));
    const c = S.cues[i];
    setCurrent(c, { seek: true, focus: true });
  }

  function nextIssue() {
    const start = S.current ? indexOf(S.current) : -1;
    for (let k = 1; k <= S.cues.length; k++) {
      const c = S.cues[(start + k) % S.cues.length];
      if (needsCheck(c) || c.server.source_changed || c.findings.some((f) => f.severity !== "info") || c.error || c.conflict) {
        setCurrent(c, { seek: true, focus: true });
        return;
      }
    }
    say(T("Cue to check: none left"));
  }

  // The cue under the playhead (the last one starting at or before t that has not ended).
  function cueAt(ms) {
    const cues = S.cues;
    let lo = 0, hi = cues.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cues[mid].local.start_ms <= ms) { lo = mid + 1; } else { hi = mid; } }
    for (let i = lo - 1; i >= 0 && i >= lo - 3; i--) { if (cues[i].local.end_ms > ms) { return cues[i]; } }
    return null;
  }

  function follow() {
    if (!player) { return; }
    const c = cueAt(playheadMs());
    if (c !== S.playing) {
      if (S.playing && S.playing.el) { S.playing.el.row.classList.remove("playing"); }
      S.playing = c;
      if (c) { c.el.row.classList.add("playing"); }
      if (caption) { caption.textContent = c ? c.local.text : ""; }
    }
    if (!c || c === S.current || player.paused) { return; }
    const inList = isCueTextarea(document.activeElement);
    if (inList && S.typedSincePlay) { return; } // the user types here: do not take the cue away
    if (Date.now() - S.userScrollAt < FOLLOW_PAUSE_SCROLL) { c === S.current || setCurrent(c, {}); return; }
    if ($("ws-conflict") && $("ws-conflict").open) { return; }
    setCurrent(c, { scroll: true });
    if (inList) { focusCue(c); }
  }

  // ---- player ------------------------------------------------------------------------------
  function seek(ms) {
    if (!player) { return; }
    player.currentTime = Math.max(0, ms) / 1000;
    requestDraw();
  }
  function togglePlay() {
    if (!player) { return; }
    S.stopAt = null;
    if (player.paused) { player.play().catch(() => {}); } else { player.pause(); }
  }
  function playAround() {
    const c = S.current;
    if (!player || !c) { return; }
    seek(Math.max(0, c.local.start_ms - 1000));
    S.stopAt = c.local.end_ms + 1000;
    player.play().catch(() => {});
  }
  function tick() {
    S.rafPlay = 0;
    if (!player) { return; }
    const t = playheadMs();
    if (S.stopAt !== null && t >= S.stopAt) { player.pause(); S.stopAt = null; }
    updateClock(t);
    follow();
    draw();
    if (!player.paused) { S.rafPlay = requestAnimationFrame(tick); }
  }
  function updateClock(t) {
    const text = tc(t);
    if (clock.textContent !== text) { clock.textContent = text; }
  }
  if (player) {
    player.addEventListener("play", () => {
      S.typedSincePlay = false;
      if (!S.rafPlay) { S.rafPlay = requestAnimationFrame(tick); }
    });
    player.addEventListener("pause", () => { requestDraw(); updateClock(playheadMs()); });
    player.addEventListener("seeked", () => { updateClock(playheadMs()); follow(); requestDraw(); });
    player.addEventListener("timeupdate", () => {
      // rAF does not run in a background tab; stop a "play around" there too.
      if (S.stopAt !== null && playheadMs() >= S.stopAt) { player.pause(); S.stopAt = null; }
      if (player.paused) { updateClock(playheadMs()); follow(); requestDraw(); }
    });
    player.addEventListener("loadedmetadata", () => {
      if (!S.durationMs && player.duration && isFinite(player.duration)) { S.durationMs = player.duration * 1000; }
      updateClock(playheadMs());
      requestDraw();
    });
  }

  // A new <track> element makes Chromium fetch the live VTT again after each save.
  function reloadVtt() {
    if (!isVideo) { return; }
    clearTimeout(S.vttTimer);
    S.vttTimer = setTimeout(() => {
      if (S.pendingTrack) { S.pendingTrack.remove(); }
      const old = player.querySelector("track:not([data-pending])");
      const mode = old && old.track ? old.track.mode : "showing";
      const next = document.createElement("track");
      next.kind = "subtitles";
      next.srclang = LANG;
      next.label = LANG;
      next.dataset.pending = "1";
      S.vttVersion += 1;
      next.src = VTT_URL + "?v=" + S.vttVersion;
      S.pendingTrack = next;
      next.addEventListener("load", () => {
        if (S.pendingTrack !== next) { return; }
        S.pendingTrack = null;
        delete next.dataset.pending;
        for (const t of player.querySelectorAll("track")) { if (t !== next) { t.remove(); } }
        next.track.mode = mode === "disabled" ? "disabled" : "showing";
        root.dataset.vttVersion = String(S.vttVersion);
      }, { once: true });
      next.addEventListener("error", () => { if (S.pendingTrack === next) { S.pendingTrack = null; } next.remove(); }, { once: true });
      player.appendChild(next);
      next.track.mode = "hidden"; // loads without showing twice
    }, 200);
  }

  // ---- waveform --------------------------------------------------------------------------
  const wave = { w: 0, h: 0, dpr: 1 };
  const SHOT_COLOUR = "#d18bff"; // shot changes: violet, unlike the peaks, spans and playhead
  function lowerBound(sorted, value) { // first index whose value is >= value
    let lo = 0, hi = sorted.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m] < value) { lo = m + 1; } else { hi = m; } }
    return lo;
  }
  function resizeCanvas() {
    if (!canvas) { return; }
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) { return; }
    wave.w = w; wave.h = h; wave.dpr = dpr;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    requestDraw();
  }
  function requestDraw() {
    if (!ctx || S.rafDraw) { return; }
    S.rafDraw = requestAnimationFrame(() => { S.rafDraw = 0; draw(); });
  }
  function ensureInView(c) {
    const v = S.view;
    if (c.local.end_ms < v.start || c.local.start_ms > v.start + v.win) {
      v.start = Math.max(0, (c.local.start_ms + c.local.end_ms) / 2 - v.win / 2);
    }
  }
  function setZoom(win) {
    const v = S.view;
    const centre = player ? playheadMs() : v.start + v.win / 2;
    v.win = Math.max(5000, Math.min(600000, win));
    v.start = Math.max(0, centre - v.win / 2);
    $("ws-zoom-label").textContent = (v.win >= 60000 ? Math.round(v.win / 60000) + " min" : Math.round(v.win / 1000) + " s");
    requestDraw();
  }

  function draw() {
    if (!ctx || !wave.w) { return; }
    const { w, h, dpr } = wave;
    const v = S.view;
    const t = playheadMs();
    const total = Math.max(S.durationMs, v.win);
    if (player && !player.paused && Date.now() > v.pinnedUntil && (t < v.start || t > v.start + v.win * 0.9)) {
      v.start = Math.max(0, t - v.win * 0.1); // page along with playback
    }
    v.start = Math.min(v.start, Math.max(0, total - v.win * 0.5));
    const start = v.start, win = v.win, pxPerMs = w / win;
    const xOf = (ms) => (ms - start) * pxPerMs;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#122033";
    ctx.fillRect(0, 0, w, h);
    const top = S.hasSource ? 14 : 4, bottom = h - 16, mid = (top + bottom) / 2;
    // peaks
    if (S.peaks) {
      const data = S.peaks.data, bps = S.peaks.bps, scale = S.peakScale, half = (bottom - top) / 2 - 2;
      ctx.fillStyle = "#4f8fd6";
      ctx.beginPath();
      for (let x = 0; x < w; x++) {
        const t0 = start + x / pxPerMs;
        let b0 = Math.floor(t0 * bps / 1000);
        const b1 = Math.max(b0 + 1, Math.floor((t0 + 1 / pxPerMs) * bps / 1000));
        if (b0 >= data.length) { break; }
        if (b0 < 0) { continue; }
        let m = 0;
        for (; b0 < b1 && b0 < data.length; b0++) { if (data[b0] > m) { m = data[b0]; } }
        const hh = Math.max(0.5, Math.min(1, m * scale) * half);
        ctx.rect(x, mid - hh, 1, hh * 2);
      }
      ctx.fill();
    }
    // source cues: a thin band on top
    if (S.hasSource) {
      ctx.fillStyle = "rgba(255,255,255,.28)";
      for (const s of S.source) {
        if (s.end_ms < start) { continue; }
        if (s.start_ms > start + win) { break; }
        ctx.fillRect(xOf(s.start_ms), 3, Math.max(1, (s.end_ms - s.start_ms) * pxPerMs - 1), 8);
      }
    }
    // cue spans
    const cues = S.cues;
    let lo = 0, hi = cues.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (cues[m].local.end_ms < start) { lo = m + 1; } else { hi = m; } }
    lo = Math.max(0, lo - 2);
    ctx.font = "11px 'DejaVu Sans', 'Noto Sans', 'Noto Sans Tai Viet', 'Noto Sans Lao', 'WenQuanYi Micro Hei', sans-serif";
    ctx.textBaseline = "top";
    for (let i = lo; i < cues.length; i++) {
      const c = cues[i];
      if (c.local.start_ms > start + win) { break; }
      if (c.local.end_ms < start) { continue; }
      const x0 = xOf(c.local.start_ms), x1 = xOf(c.local.end_ms);
      const current = c === S.current;
      ctx.fillStyle = current ? "rgba(255,196,61,.30)" : (c.findings.length ? "rgba(255,120,90,.16)" : "rgba(120,200,255,.16)");
      ctx.fillRect(x0, top, x1 - x0, bottom - top);
      ctx.fillStyle = current ? "#ffc43d" : "rgba(160,215,255,.8)";
      ctx.fillRect(x0, top, current ? 2 : 1, bottom - top);
      ctx.fillRect(x1 - (current ? 2 : 1), top, current ? 2 : 1, bottom - top);
      if (x1 - x0 > 16) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(x0 + 3, top, x1 - x0 - 6, bottom - top);
        ctx.clip();
        ctx.fillStyle = current ? "#fff" : "rgba(235,244,255,.85)";
        ctx.fillText((i + 1) + "  " + c.local.text.replace(/\n/g, " / "), x0 + 4, top + 3);
        ctx.restore();
      }
    }
    // shot changes: a thin violet line each, over the cue spans (docs/subtitles.md)
    if (S.shots.length) {
      ctx.fillStyle = SHOT_COLOUR;
      let k = lowerBound(S.shots, start);
      for (; k < S.shots.length && S.shots[k] <= start + win; k++) {
        const x = Math.round(xOf(S.shots[k]));
        ctx.fillRect(x, 0, 1, bottom);
        ctx.fillRect(x - 2, bottom - 4, 5, 4); // a foot on the ruler, visible when spans hide the line
      }
    }
    // ruler
    const steps = [1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000];
    const step = steps.find((s) => s * pxPerMs >= 70) || 600000;
    ctx.fillStyle = "rgba(255,255,255,.55)";
    ctx.font = "10px 'DejaVu Sans Mono', monospace";
    for (let ms = Math.ceil(start / step) * step; ms <= start + win; ms += step) {
      const x = xOf(ms);
      ctx.fillRect(x, bottom, 1, 4);
      const m = Math.floor(ms / 60000), s = Math.floor(ms / 1000) % 60;
      ctx.fillText(m + ":" + pad(s, 2), x + 2, bottom + 3);
    }
    // playhead
    const px = xOf(t);
    if (px >= 0 && px <= w) {
      ctx.fillStyle = "#ff5a4f";
      ctx.fillRect(px - 1, 0, 2, h);
    }
  }

  function canvasMs(event) {
    const box = canvas.getBoundingClientRect();
    return S.view.start + (event.clientX - box.left) * S.view.win / box.width;
  }
  function edgeAt(event) {
    const c = S.current;
    if (!editable(c)) { return null; }
    const box = canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const pxPerMs = box.width / S.view.win;
    const xs = (c.local.start_ms - S.view.start) * pxPerMs, xe = (c.local.end_ms - S.view.start) * pxPerMs;
    if (Math.abs(x - xs) <= 6) { return "in"; }
    if (Math.abs(x - xe) <= 6) { return "out"; }
    return null;
  }
  if (canvas) {
    canvas.setAttribute("aria-label", T("Waveform: click to seek; drag the edges of the current cue to change its timing"));
    // A shot change under the pointer (within 4 px): its time as a tooltip.
    const shotAt = (event) => {
      if (!S.shots.length) { return null; }
      const ms = canvasMs(event), reach = 4 * S.view.win / canvas.getBoundingClientRect().width;
      const k = lowerBound(S.shots, ms - reach);
      return k < S.shots.length && S.shots[k] <= ms + reach ? S.shots[k] : null;
    };
    canvas.setAttribute("role", "img");
    canvas.addEventListener("pointerdown", (event) => {
      const edge = edgeAt(event);
      canvas.setPointerCapture(event.pointerId);
      const c = S.current;
      S.drag = { edge, x: event.clientX, moved: false, cue: c,
        before: c ? { start_ms: c.local.start_ms, end_ms: c.local.end_ms } : null };
    });
    canvas.addEventListener("pointermove", (event) => {
      const d = S.drag;
      if (!d) {
        canvas.style.cursor = edgeAt(event) ? "ew-resize" : "pointer";
        const shot = shotAt(event);
        const tip = shot === null ? "" : T("Shot change") + " " + tc(shot);
        if (canvas.title !== tip) { canvas.title = tip; }
        return;
      }
      if (Math.abs(event.clientX - d.x) > 3) { d.moved = true; }
      if (!d.edge || !d.moved) { return; }
      const c = d.cue;
      const t = snap(canvasMs(event));
      if (d.edge === "in") { c.local.start_ms = Math.max(0, Math.min(t, c.local.end_ms - S.frame)); } else { c.local.end_ms = Math.max(t, c.local.start_ms + S.frame); }
      renderTimes(c);
      requestDraw();
    });
    const end = (event) => {
      const d = S.drag;
      S.drag = null;
      if (!d) { return; }
      if (d.edge && d.moved) {
        const c = d.cue;
        const start = c.local.start_ms, stop = c.local.end_ms;
        c.local.start_ms = d.before.start_ms;
        c.local.end_ms = d.before.end_ms;
        if (!setTiming(c, start, stop, d.before)) { renderTimes(c); requestDraw(); }
        return;
      }
      if (event.type === "pointercancel") { return; }
      const t = canvasMs(event);
      seek(t);
      const c = cueAt(t);
      if (c) { setCurrent(c, { scroll: true }); }
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("wheel", (event) => {
      event.preventDefault();
      if (event.ctrlKey) { setZoom(S.view.win * (event.deltaY > 0 ? 1.25 : 0.8)); return; }
      const delta = (Math.abs(event.deltaX) > Math.abs(event.deltaY) ? event.deltaX : event.deltaY);
      S.view.start = Math.max(0, S.view.start + delta * S.view.win / 1500);
      S.view.pinnedUntil = Date.now() + 4000;
      requestDraw();
    }, { passive: false });
    if (window.ResizeObserver) { new ResizeObserver(resizeCanvas).observe(canvas); }
    window.addEventListener("resize", resizeCanvas);
  }

  // ---- glossary and translation memory --------------------------------------------------
  function lookupSoon(c) {
    clearTimeout(S.memoryTimer);
    S.memoryTimer = setTimeout(() => lookup(c), 250);
  }
  async function lookup(c) {
    if (!c || c !== S.current) { return; }
    const text = (S.hasSource ? c.sourceText || sourceFor(c) : c.server.text).replace(/\n/g, " ").trim();
    const gloss = $("ws-glossary"), mem = $("ws-memory");
    if (!text || text.length > 2000) {
      gloss.replaceChildren(document.createTextNode(T("No glossary terms in this cue")));
      mem.replaceChildren(document.createTextNode(T("No suggestions for this cue")));
      return;
    }
    let data = S.memoryCache.get(text);
    if (!data) {
      const res = await api("GET", MEMORY_URL + "?source=" + encodeURIComponent(text));
      if (!res.ok) { return; }
      data = res.data;
      S.memoryCache.set(text, data);
    }
    if (c !== S.current) { return; }
    renderSuggestions(c, data);
  }
  function renderSuggestions(c, data) {
    const gloss = $("ws-glossary"), mem = $("ws-memory");
    const terms = (data.glossary || []).map((g) => {
      const item = el("div", "ws-term");
      item.appendChild(el("span", "ws-term-src", g.term));
      item.appendChild(document.createTextNode(" → "));
      if (g.translation) {
        const b = el("button", "link-button ws-term-tr", g.translation);
        b.type = "button";
        b.lang = LANG;
        b.title = T("Insert at the cursor");
        b.disabled = !S.editable;
        b.addEventListener("mousedown", (e) => e.preventDefault()); // keep the caret in the cue
        b.addEventListener("click", () => insertAtCaret(c, g.translation));
        item.appendChild(b);
      } else {
        item.appendChild(el("span", "muted", "–"));
      }
      if (g.notes) { item.appendChild(el("div", "muted small", g.notes)); }
      return item;
    });
    gloss.replaceChildren(...(terms.length ? terms : [document.createTextNode(T("No glossary terms in this cue"))]));
    const sugg = (data.memory || []).map((m) => {
      const b = el("button", "ws-tm");
      b.type = "button";
      b.title = T("Use this translation");
      b.disabled = !S.editable;
      b.appendChild(el("span", "ws-tm-score", Math.round(m.score * 100) + "% " + T("match")));
      const target = el("span", "ws-tm-target", m.target);
      target.lang = LANG;
      b.appendChild(target);
      b.appendChild(el("span", "ws-tm-source muted small", m.source));
      b.addEventListener("click", () => { setText(c, m.target, true); focusCue(c); });
      return b;
    });
    mem.replaceChildren(...(sugg.length ? sugg : [document.createTextNode(T("No suggestions for this cue"))]));
  }
  function insertAtCaret(c, text) {
    if (!editable(c)) { return; }
    const ta = c.el.ta;
    const focused = document.activeElement === ta;
    const a = focused ? ta.selectionStart : ta.value.length, b = focused ? ta.selectionEnd : ta.value.length;
    const before = ta.value.slice(0, a), after = ta.value.slice(b);
    const glue = before && !/\s$/.test(before) ? " " : "";
    setText(c, before + glue + text + after, true);
    focusCue(c, (before + glue + text).length);
  }

  // ---- keyboard --------------------------------------------------------------------------
  function onKey(event) {
    if (event.isComposing || event.keyCode === 229) { return; }
    const dialog = $("ws-conflict");
    if (dialog && dialog.open) { return; }
    const ctrl = event.ctrlKey || event.metaKey, alt = event.altKey, shift = event.shiftKey;
    const target = event.target;
    const otherField = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && !isCueTextarea(target);
    const code = event.code;
    let run = null;
    if (ctrl && !alt && code === "Space") { run = shift ? playAround : togglePlay; }
    else if (alt && !ctrl && code === "ArrowUp") { run = () => go(-1); }
    else if (alt && !ctrl && code === "ArrowDown") { run = () => go(1); }
    else if (alt && !ctrl && code === "KeyN") { run = nextIssue; }
    else if (!otherField && alt && !ctrl && !shift && code === "KeyI") { run = insertCue; }
    else if (!otherField && alt && !ctrl && !shift && code === "Delete") { run = deleteCue; }
    else if (alt && !ctrl && code === "BracketLeft") { run = () => nudge("in", shift ? -10 : -1); }
    else if (alt && !ctrl && code === "BracketRight") { run = () => nudge("in", shift ? 10 : 1); }
    else if (alt && !ctrl && code === "Semicolon") { run = () => nudge("out", shift ? -10 : -1); }
    else if (alt && !ctrl && code === "Quote") { run = () => nudge("out", shift ? 10 : 1); }
    else if (ctrl && !alt && code === "Slash") { run = toggleHelp; }
    else if (!otherField && ctrl && !alt && code === "BracketLeft") { run = () => setAtPlayhead("in"); }
    else if (!otherField && ctrl && !alt && code === "BracketRight") { run = () => setAtPlayhead("out"); }
    else if (!otherField && ctrl && !alt && code === "Enter") { run = shift ? () => confirmCue() : split; }
    else if (!otherField && ctrl && !alt && !shift && code === "KeyM") { run = merge; }
    else if (!otherField && ctrl && !alt && code === "KeyZ") { run = shift ? redo : undo; }
    else if (!otherField && ctrl && !alt && !shift && code === "KeyY") { run = redo; }
    else if (event.key === "Escape" && !$("ws-help").hidden) { run = toggleHelp; }
    if (!run) { return; }
    event.preventDefault();
    event.stopPropagation();
    if (!S.current && S.cues.length && run !== togglePlay && run !== toggleHelp) {
      setCurrent(cueAt(playheadMs()) || S.cues[0], {});
    }
    run();
  }
  document.addEventListener("keydown", onKey, true);

  function toggleHelp() {
    const help = $("ws-help");
    help.hidden = !help.hidden;
    $("ws-help-button").setAttribute("aria-expanded", String(!help.hidden));
    if (!help.hidden) { help.querySelector("button").focus(); } else if (S.current) { focusCue(S.current); }
  }

  // ---- buttons and list events ------------------------------------------------------------
  const actions = {
    "play": togglePlay, "play-cue": playAround, "prev": () => go(-1), "next": () => go(1),
    "next-issue": nextIssue,
    "set-in": () => setAtPlayhead("in"), "set-out": () => setAtPlayhead("out"),
    "in-": (e) => nudge("in", e.shiftKey ? -10 : -1), "in+": (e) => nudge("in", e.shiftKey ? 10 : 1),
    "out-": (e) => nudge("out", e.shiftKey ? -10 : -1), "out+": (e) => nudge("out", e.shiftKey ? 10 : 1),
    "split": split, "merge": merge, "undo": undo, "redo": redo, "help": toggleHelp,
    "insert": insertCue, "delete": deleteCue,
    "zoom-in": () => setZoom(S.view.win / 2), "zoom-out": () => setZoom(S.view.win * 2),
  };
  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    if (!button || !actions[button.dataset.act] || list.contains(button)) { return; }
    if (!S.current && S.cues.length) { setCurrent(cueAt(playheadMs()) || S.cues[0], {}); }
    actions[button.dataset.act](event);
  });
  // Toolbar buttons must not take the focus from the cue being typed.
  root.querySelector(".ws-tools").addEventListener("mousedown", (event) => {
    if (event.target.closest("button")) { event.preventDefault(); }
  });
  $("ws-help-button").addEventListener("click", toggleHelp);

  list.addEventListener("input", onInput);
  list.addEventListener("scroll", (event) => { // a long cue scrolls: its spelling marks follow
    const c = isCueTextarea(event.target) ? cueOfNode(event.target) : null;
    if (c && c.el.spell) { c.el.spell.scrollTop = event.target.scrollTop; }
  }, true);
  list.addEventListener("focusin", (event) => {
    if (!isCueTextarea(event.target) || S.programmaticFocus) { return; }
    const c = cueOfNode(event.target);
    if (c && c !== S.current) { setCurrent(c, { seek: true }); }
  });
  list.addEventListener("click", (event) => {
    const c = cueOfNode(event.target);
    if (!c) { return; }
    const button = event.target.closest("button[data-act]");
    if (button) {
      const act = button.dataset.act;
      if (act === "confirm") { setCurrent(c, {}); confirmCue(c); }
      if (act === "source-ok") { setCurrent(c, {}); confirmSource(c); }
      if (act === "comment") { openCommentForm(c); }
      if (act === "resolve") { resolveComment(c, Number(button.dataset.comment)); }
      if (act === "spell") { applySpelling(c, button); }
      return;
    }
    if (event.target.closest("textarea, input, form, a")) { return; }
    setCurrent(c, { seek: true });
    if (S.editable && !window.getSelection().toString()) { focusCue(c); }
  });
  const userScrolled = () => { S.userScrollAt = Date.now(); };
  list.addEventListener("wheel", userScrolled, { passive: true });
  list.addEventListener("touchmove", userScrolled, { passive: true });
  list.addEventListener("pointerdown", (event) => { if (event.target === list) { userScrolled(); } });
  list.addEventListener("keydown", (event) => { if (/^(PageUp|PageDown|Home|End)$/.test(event.key) && !isCueTextarea(event.target)) { userScrolled(); } });

  const dialog = $("ws-conflict");
  if (dialog) {
    dialog.addEventListener("cancel", (event) => event.preventDefault()); // a choice is required
    $("ws-keep-mine").addEventListener("click", () => closeConflict("mine"));
    $("ws-take-theirs").addEventListener("click", () => closeConflict("theirs"));
  }

  window.addEventListener("online", retryAll);
  window.addEventListener("beforeunload", (event) => {
    let pending = false;
    for (const c of S.attention) {
      if (c.timer && !c.inflight && !c.conflict && !c.failing) { save(c, true); }
      if (dirty(c) || c.inflight || c.conflict) { pending = true; }
    }
    if (pending) { event.preventDefault(); event.returnValue = ""; }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      for (const c of S.attention) { if (c.timer && !c.inflight && !c.conflict && !c.failing) { save(c, true); } }
    } else if (Date.now() - (S.refreshedAt || 0) > 30000) {
      refresh();
    }
  });

  // ---- someone else's changes: reconcile with the server -------------------------------
  async function refresh() {
    if (S.refreshing || !S.track) { return; }
    S.refreshing = true;
    const res = await api("GET", API_TRACK);
    S.refreshing = false;
    S.refreshedAt = Date.now();
    if (!res.ok) { return; }
    const data = res.data;
    const seen = new Set();
    let prevRow = null, shapeChanged = false;
    const ordered = [];
    for (const x of data.cues) {
      seen.add(x.id);
      let c = S.byId.get(x.id);
      if (!c) {
        c = makeCue(x);
        const row = buildRow(c, ordered.length);
        if (prevRow) { prevRow.after(row); } else { list.prepend(row); }
        const empty = list.querySelector(".ws-empty");
        if (empty) { empty.remove(); }
        shapeChanged = true;
      } else if (x.version !== c.server.version && !c.inflight && !c.conflict) {
        if (dirty(c)) { conflict(c, x, c.server); } else { replaceLocal(c, x); renderState(c); }
      } else if (!!x.source_changed !== c.server.source_changed && x.version === c.server.version) {
        c.server.source_changed = !!x.source_changed; // marked without a new version
        renderExtra(c);
      }
      if (c.el) { prevRow = c.el.row; }
      ordered.push(c);
    }
    for (const c of S.cues.slice()) {
      if (seen.has(c.id)) { continue; }
      if (dirty(c) && normText(c.local.text) !== c.server.text) {
        showNotice(T("Cue {n} was removed by someone else (split or merge); your unsaved text was: {text}",
          { n: indexOf(c) + 1, text: normText(c.local.text) }));
      }
      removeCue(c);
      shapeChanged = true;
    }
    S.cues = ordered;
    if (shapeChanged) { renumberFrom(0); }
    if (S.hasSource) { // the source may have been edited meanwhile
      S.source = (data.source || []).slice().sort((a, b) => a.start_ms - b.start_ms);
      for (const c of S.cues) { if (c.el) { renderSource(c); } }
    }
    const findings = {};
    for (const x of data.cues) { findings[x.id] = x.findings || []; }
    applyQc(findings, data.qc);
    const before = S.comments;
    groupComments(data.comments);
    for (const c of S.cues) {
      if (JSON.stringify(before.get(c.id) || []) !== JSON.stringify(S.comments.get(c.id) || [])) { renderExtra(c); }
    }
    if (S.current && !S.current.removed) { S.current.el.row.classList.add("current"); }
    requestDraw();
  }
  root.addEventListener("ws:refresh", refresh); // for tests and other scripts on the page
  // Others' edits show up on their own: every two minutes while idle, and on coming back to the tab.
  setInterval(() => { if (document.visibilityState === "visible" && !S.attention.size) { refresh(); } }, 120000);

  function groupComments(comments) {
    S.comments = new Map();
    for (const n of comments || []) {
      if (!S.comments.has(n.cue_id)) { S.comments.set(n.cue_id, []); }
      S.comments.get(n.cue_id).push(n);
    }
  }

  // A message that stays until closed (the toast goes away by itself).
  function showNotice(message) {
    const close = el("button", "small", "×");
    close.type = "button";
    close.setAttribute("aria-label", T("Discard"));
    close.addEventListener("click", () => { banner.hidden = true; });
    const text = el("span", "", message);
    text.lang = LANG;
    banner.replaceChildren(text, close);
    banner.className = "ws-banner warn";
    banner.hidden = false;
  }

  // Status changes (send for review, approve...) wait until every cue is saved.
  for (const form of document.querySelectorAll("#workflow form")) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.flushed) { return; }
      const pending = [...S.attention].filter((c) => !c.removed && (dirty(c) || c.inflight || c.conflict || c.error));
      if (!pending.length) { return; }
      event.preventDefault();
      const submitter = event.submitter;
      const results = await Promise.all(pending.map((c) => flush(c)));
      if (results.every(Boolean)) {
        form.dataset.flushed = "1";
        form.requestSubmit(submitter);
      } else {
        say(T("Finish or resolve the unsaved cues first"), "error");
      }
    });
  }

  // ---- edits kept from an earlier visit ---------------------------------------------------
  function offerRestore() {
    const stored = storedEdits();
    const usable = [];
    for (const s of stored) {
      const c = S.byId.get(s.id);
      if (!s.entry || !c || !s.entry.mine) { try { localStorage.removeItem(s.key); } catch (e) { /* */ } continue; }
      const m = s.entry.mine;
      if (normText(m.text) === c.server.text && m.start_ms === c.server.start_ms && m.end_ms === c.server.end_ms) {
        unpersist(c); // already saved (the tab closed before the answer)
        continue;
      }
      usable.push({ c, entry: s.entry });
    }
    if (!usable.length || !S.editable) { return; }
    const msg = el("span", "", T("Edits from an earlier visit were not saved: {n}", { n: usable.length }) + " ");
    const apply = el("button", "primary small", T("Re-apply"));
    apply.type = "button";
    const discard = el("button", "small", T("Discard"));
    discard.type = "button";
    banner.replaceChildren(msg, apply, discard);
    banner.hidden = false;
    banner.className = "ws-banner warn";
    apply.addEventListener("click", () => {
      banner.hidden = true;
      for (const { c, entry } of usable) {
        const m = entry.mine;
        if (entry.v === c.server.version) {
          c.local = { text: m.text, start_ms: m.start_ms, end_ms: m.end_ms };
          c.el.ta.value = m.text;
          renderMetrics(c);
          renderTimes(c);
          schedule(c, 0);
        } else {
          // Someone saved since: the same three-way choice as a live conflict.
          const theirs = Object.assign({}, c.server);
          c.local = { text: m.text, start_ms: m.start_ms, end_ms: m.end_ms };
          c.el.ta.value = m.text;
          renderMetrics(c);
          conflict(c, theirs, entry.base || c.server);
        }
      }
      requestDraw();
    });
    discard.addEventListener("click", () => {
      banner.hidden = true;
      for (const { c } of usable) { unpersist(c); }
    });
  }

  // ---- start -------------------------------------------------------------------------------
  async function start() {
    let data;
    try {
      const response = await trackRequest;
      data = await response.json();
      if (!response.ok) { throw new Error(data.error || response.status); }
    } catch (err) {
      list.replaceChildren(el("p", "flash error", T("Could not load the track: {error}", { error: err.message || err })));
      return;
    }
    S.track = data.track;
    S.rules = data.track.rules || {};
    S.rules.max_chars_per_line = S.rules.max_chars_per_line || 42;
    S.rules.max_lines = S.rules.max_lines || 2;
    S.rules.max_chars_per_second = S.rules.max_chars_per_second || 17;
    const fps = Number(S.rules.frame_rate) || (String(S.rules.frame_rate || "").includes("/")
      ? Number(S.rules.frame_rate.split("/")[0]) / Number(S.rules.frame_rate.split("/")[1]) : 25);
    S.frame = Math.round(1000 / (fps || 25));
    S.editable = !!data.track.editable;
    S.canReview = !!data.track.can_review;
    S.hasSource = !!list.classList.contains("with-source");
    S.source = (data.source || []).slice().sort((a, b) => a.start_ms - b.start_ms);
    S.durationMs = data.media.duration_ms || 0;
    S.shots = (data.media.shot_changes_ms || []).slice().sort((a, b) => a - b);
    const shotLegend = $("ws-shot-legend");
    if (shotLegend && S.shots.length) {
      const count = T("Shot changes: {n}", { n: S.shots.length });
      shotLegend.hidden = false;
      shotLegend.title = count;
      canvas.setAttribute("aria-label", canvas.getAttribute("aria-label") + " · " + count);
    }
    if (!S.editable) {
      root.classList.add("ws-readonly");
      for (const b of root.querySelectorAll(".ws-tools button.edit")) { b.disabled = true; }
    }
    groupComments(data.comments);
    S.cues = data.cues.map(makeCue);
    const frag = document.createDocumentFragment();
    S.cues.forEach((c, i) => frag.appendChild(buildRow(c, i)));
    if (!S.cues.length) { frag.appendChild(el("p", "muted ws-empty", T("No cues yet"))); }
    list.replaceChildren(frag);
    applyQc(null, data.qc);
    if (!S.durationMs && S.cues.length) { S.durationMs = S.cues[S.cues.length - 1].local.end_ms + 5000; }
    resizeCanvas();
    if (S.cues.length) { setCurrent(cueAt(playheadMs()) || S.cues[0], {}); }
    offerRestore();
    updateSaveState();
    root.dataset.ready = "1";
    if (window.performance && performance.mark) {
      performance.mark("ws-ready");
      requestAnimationFrame(() => setTimeout(() => performance.mark("ws-painted"), 0));
    }
    S.refreshedAt = Date.now();
    peaksRequest.then((peaks) => {
      if (!peaks || !Array.isArray(peaks.peaks)) { return; }
      let max = 0;
      for (const p of peaks.peaks) { if (p > max) { max = p; } }
      S.peaks = { data: peaks.peaks, bps: peaks.buckets_per_second || 20 };
      S.peakScale = max > 0 ? 0.95 / max : 1;
      if (!S.durationMs) { S.durationMs = peaks.peaks.length * 1000 / S.peaks.bps; }
      requestDraw();
    });
  }
  start();
})();

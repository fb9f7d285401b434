// The rundown editor: the running order drawn from the server's document, changed through the
// JSON API (web/editors/rundown.py) at the version the page saw. Every answer carries the whole
// rundown timed by the server, so this script only displays lengths, cumulative, front and back
// times; it never computes one. A 409 shows who changed the rundown and redraws the order as it
// now is. Loaded as a file: the page's Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var root = document.getElementById("rundown");
  if (!root) { return; }
  var strings = JSON.parse(document.getElementById("rd-strings").textContent);
  var doc = JSON.parse(document.getElementById("rd-doc").textContent);
  var L = strings.labels;
  var api = root.dataset.api;
  var csrf = (document.querySelector("meta[name='csrf-token']") || {}).content || "";
  var body = document.getElementById("rd-lines");
  var message = document.getElementById("rd-message");
  var ESTIMATED = { estimate: true, untimed: true };
  var dragged = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function say(text, kind) {
    message.textContent = text || "";
    message.className = "rd-status " + (kind || "");
    message.hidden = !text;
  }
  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  // "1:30", "0:45", "1:02:00" or "90" -> seconds; null when empty; NaN when unreadable.
  function seconds(text) {
    text = (text || "").trim();
    if (!text) { return null; }
    if (!/^\d+(:\d{1,2}){0,2}$/.test(text)) { return NaN; }
    return text.split(":").reduce(function (acc, part) { return acc * 60 + parseInt(part, 10); }, 0);
  }
  function lineInput(line, changes) {
    var data = { kind: line.kind, title: line.title, report_id: line.report_id,
                 anchor_text: line.anchor_text, estimate_s: line.estimate_s, anchor: line.anchor };
    Object.keys(changes || {}).forEach(function (key) { data[key] = changes[key]; });
    return data;
  }

  function send(method, url, data) {
    data.version = doc.version;
    root.setAttribute("aria-busy", "true");
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrf },
      body: JSON.stringify(data)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        root.removeAttribute("aria-busy");
        if (answer.rundown) { draw(answer.rundown); }
        if (response.ok) { say(L.saved, "ok"); return true; }
        say(answer.error || L.failed, "error");
        return false;
      });
    }).catch(function () {
      root.removeAttribute("aria-busy");
      say(L.failed, "error");
      return false;
    });
  }
  function itemUrl(id) { return api + "/items/" + id; }
  function reorder(ids) { return send("PUT", api + "/order", { order: ids }); }

  function badges(line) {
    var box = el("span", "rd-badges");
    var ready = line.readiness;
    if (!ready) { return box; }
    box.appendChild(el("span", "badge " + (ready.approved ? "ok" : "warning"),
                       ready.approved ? L.approved : L.not_approved));
    var loud = ready.loudness === "pass" ? ["ok", L.loudness_pass]
      : ready.loudness === "fail" ? ["error", L.loudness_fail] : ["warning", L.loudness_none];
    box.appendChild(el("span", "badge " + loud[0], loud[1]));
    Object.keys(ready.subtitles).forEach(function (code) {
      var state = ready.subtitles[code];
      box.appendChild(el("span", "badge " + (state === "ok" ? "ok" : "warning"),
                         (strings.languages[code] || code) + ": " +
                         (strings.subtitles[state] || state)));
    });
    return box;
  }

  function button(label, cls, handler, title) {
    var b = el("button", "small " + cls, label);
    b.type = "button";
    if (title) { b.title = title; b.setAttribute("aria-label", title); }
    b.addEventListener("click", handler);
    return b;
  }

  // After a refusal the order is redrawn; what was typed into an open editor is put back.
  function reopen(id, typed) {
    var line = doc.lines.filter(function (l) { return l.id === id; })[0];
    var tr = body.querySelector("tr[data-item='" + id + "']");
    if (!line || !tr) { return; }
    var form = editor(line, tr);
    Object.keys(typed).forEach(function (name) { form.querySelector("[name=" + name + "]").value = typed[name]; });
  }

  function editor(line, row) {
    var form = el("tr", "rd-edit");
    var cell = el("td");
    cell.colSpan = 10;
    var title = el("input"); title.value = line.title; title.name = "title";
    var anchor = el("input"); anchor.value = line.anchor || ""; anchor.name = "anchor";
    var text = el("textarea"); text.value = line.anchor_text || ""; text.rows = 4;
    text.name = "anchor_text";
    var estimate = el("input"); estimate.name = "estimate";
    estimate.value = line.estimate_s === null ? "" : clock(line.estimate_s);
    [[L.title, title], [L.anchor, anchor], [L.estimate, estimate], [L.text, text]].forEach(
      function (pair) {
        var label = el("label", pair[1] === text ? "rd-text" : "", pair[0] + " ");
        label.appendChild(pair[1]);
        cell.appendChild(label);
      });
    cell.appendChild(button(L.save, "primary rd-save", function () {
      var secs = seconds(estimate.value);
      if (secs !== secs) { say(L.bad_length, "error"); return; }
      var typed = { title: title.value, anchor: anchor.value, anchor_text: text.value,
                    estimate: estimate.value };
      send("PATCH", itemUrl(line.id), lineInput(line, {
        title: title.value, anchor: anchor.value, anchor_text: text.value, estimate_s: secs
      })).then(function (ok) { if (!ok) { reopen(line.id, typed); } });
    }));
    cell.appendChild(button(L.cancel, "", function () { form.remove(); }));
    form.appendChild(cell);
    row.after(form);
    text.focus();
    return form;
  }

  function row(line, index, count) {
    var tr = el("tr", line.changed_after_approval ? "changed" : "");
    tr.dataset.item = line.id;
    tr.draggable = true;
    tr.title = L.drag;
    var pos = el("td", "rd-pos", String(line.position + 1));
    if (line.changed_after_approval) {
      var mark = el("span", "rd-changed", " *");
      mark.title = L.changed;
      pos.appendChild(mark);
    }
    tr.appendChild(pos);
    tr.appendChild(el("td", "rd-kind", strings.kinds[line.kind] || line.kind));
    var title = el("td", "rd-title", line.title);
    title.dataset.userText = "";
    tr.appendChild(title);
    var anchor = el("td", "rd-anchor", line.anchor);
    anchor.dataset.userText = "";
    tr.appendChild(anchor);
    var duration = el("td", "rd-duration");
    if (ESTIMATED[line.timed_from]) {
      var input = el("input", "rd-estimate");
      input.value = line.estimate_s === null ? "" : clock(line.estimate_s);
      input.size = 6;
      input.setAttribute("aria-label", L.estimate);
      input.title = L.estimate;
      input.addEventListener("change", function () {
        var secs = seconds(input.value);
        if (secs !== secs) { say(L.bad_length, "error"); return; }
        send("PATCH", itemUrl(line.id), lineInput(line, { estimate_s: secs }));
      });
      duration.appendChild(input);
    } else {
      duration.appendChild(el("span", "rd-length", line.duration));
    }
    duration.appendChild(el("span", "muted small rd-source", " " +
                            (strings.sources[line.timed_from] || "")));
    tr.appendChild(duration);
    tr.appendChild(el("td", "rd-cumulative", line.cumulative));
    tr.appendChild(el("td", "rd-front", line.front_time));
    tr.appendChild(el("td", "rd-back", line.back_time));
    var ready = el("td", "rd-ready");
    ready.appendChild(badges(line));
    tr.appendChild(ready);
    var actions = el("td", "rd-line-actions");
    var up = button("↑", "rd-up", function () { move(index, index - 1); }, L.move_up);
    up.disabled = index === 0;
    var down = button("↓", "rd-down", function () { move(index, index + 1); }, L.move_down);
    down.disabled = index === count - 1;
    actions.appendChild(up);
    actions.appendChild(down);
    actions.appendChild(button(L.edit, "rd-edit-button", function () {
      var next = tr.nextElementSibling;
      if (next && next.classList.contains("rd-edit")) { next.remove(); } else { editor(line, tr); }
    }));
    actions.appendChild(button(L.delete, "danger rd-delete", function () {
      send("DELETE", itemUrl(line.id), {});
    }));
    tr.appendChild(actions);
    tr.addEventListener("dragstart", function (event) {
      dragged = line.id;
      tr.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", String(line.id));
    });
    tr.addEventListener("dragend", function () { tr.classList.remove("dragging"); clearMarks(); });
    tr.addEventListener("dragover", function (event) {
      if (dragged === null) { return; }
      event.preventDefault();
      clearMarks();
      tr.classList.add(after(tr, event) ? "drop-after" : "drop-before");
    });
    tr.addEventListener("drop", function (event) {
      event.preventDefault();
      if (dragged === null) { return; }
      var ids = doc.lines.map(function (l) { return l.id; });
      var from = ids.indexOf(dragged);
      var to = ids.indexOf(line.id) + (after(tr, event) ? 1 : 0);
      dragged = null;
      clearMarks();
      if (from < to) { to -= 1; }
      if (from === to || from < 0) { return; }
      ids.splice(to, 0, ids.splice(from, 1)[0]);
      reorder(ids);
    });
    return tr;
  }
  function after(tr, event) {
    var box = tr.getBoundingClientRect();
    return event.clientY > box.top + box.height / 2;
  }
  function clearMarks() {
    body.querySelectorAll(".drop-before, .drop-after").forEach(function (r) {
      r.classList.remove("drop-before", "drop-after");
    });
  }
  function move(from, to) {
    var ids = doc.lines.map(function (l) { return l.id; });
    if (to < 0 || to >= ids.length) { return; }
    ids.splice(to, 0, ids.splice(from, 1)[0]);
    reorder(ids).then(function () {
      var again = body.querySelector("tr[data-item='" + ids[to] + "'] " +
                                     (to < from ? ".rd-up" : ".rd-down"));
      if (again && !again.disabled) { again.focus(); }
    });
  }

  function draw(next) {
    doc = next;
    root.dataset.version = doc.version;
    document.getElementById("rd-on-air").textContent = doc.on_air;
    document.getElementById("rd-off-air").textContent = doc.off_air;
    document.getElementById("rd-planned").textContent = doc.planned;
    document.getElementById("rd-total").textContent = doc.total;
    var over = document.getElementById("rd-over");
    var length = doc.over_under.replace(/^-/, "");
    over.textContent = doc.over_ms > 0 ? L.over.replace("{length}", length)
      : doc.over_ms < 0 ? L.under.replace("{length}", length) : L.on_time;
    over.className = doc.over_ms > 0 ? "over" : doc.over_ms < 0 ? "under" : "exact";
    var status = document.getElementById("rd-status");
    status.textContent = (strings.statuses[doc.status] || doc.status) +
      (doc.approved_by ? " · " + doc.approved_by : "");
    if (doc.changed_after_approval) {
      status.appendChild(document.createTextNode(" · "));
      status.appendChild(el("span", "rd-changed", L.changed));
    }
    body.textContent = "";
    doc.lines.forEach(function (line, index) { body.appendChild(row(line, index, doc.lines.length)); });
  }

  var approve = document.getElementById("rd-approve");
  if (approve) {
    approve.addEventListener("click", function () { send("POST", api + "/approve", {}); });
  }
  var add = document.getElementById("rd-add");
  add.addEventListener("submit", function (event) {
    event.preventDefault();
    var f = add.elements;
    var secs = seconds(f.estimate.value);
    if (secs !== secs) { say(L.bad_length, "error"); return; }
    var report = f.report_id.value.trim();
    send("POST", api + "/items", {
      kind: f.kind.value, title: f.title.value, anchor: f.anchor.value,
      anchor_text: f.anchor_text.value, estimate_s: secs, report_id: report || null
    }).then(function (ok) { if (ok) { add.reset(); } });
  });

  draw(doc);
  root.dataset.ready = "1";
}());

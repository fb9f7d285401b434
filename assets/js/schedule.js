// The week grid's time lines: each day column draws its slots to scale, a report dragged from
// the tray onto a line becomes a slot at that time, and a slot's lower edge dragged changes its
// length. Both go to the server, which applies the same services, rules and version check as
// the slot form; a refusal (an overlap, a stale slot) is shown and nothing changes. Loaded as a
// file: the page's Content-Security-Policy allows no inline script or style attribute, so the
// bars are placed through the CSSOM here.
(function () {
  "use strict";
  var grid = document.getElementById("week-grid");
  if (!grid) { return; }
  var PPM = 1; // pixels per minute of a time line
  var DROP_STEP = 5; // a dropped report starts on a five-minute mark
  var hour0 = parseInt(grid.dataset.hour0 || "0", 10);
  var editable = grid.dataset.edit === "1";
  var csrf = (document.querySelector("meta[name='csrf-token']") || {}).content || "";
  var status = document.getElementById("drag-status");
  var lanes = Array.prototype.slice.call(grid.querySelectorAll(".lane"));

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(offsetMin) {
    var total = hour0 * 60 + offsetMin;
    return pad(Math.floor(total / 60) % 24) + ":" + pad(total % 60);
  }
  function place(bar) {
    bar.style.top = (parseInt(bar.dataset.offset, 10) * PPM) + "px";
    bar.style.height = Math.max(4, parseInt(bar.dataset.duration, 10) / 60 * PPM) + "px";
  }

  var first = null;
  lanes.forEach(function (lane) {
    var minutes = parseInt(lane.dataset.minutes, 10);
    lane.style.height = (minutes * PPM) + "px";
    for (var m = 0; m < minutes; m += 60) {
      var tick = document.createElement("div");
      tick.className = "lane-hour";
      tick.style.top = (m * PPM) + "px";
      tick.textContent = clock(m);
      lane.insertBefore(tick, lane.firstChild);
    }
    lane.querySelectorAll(".lane-slot").forEach(function (bar) {
      place(bar);
      var offset = parseInt(bar.dataset.offset, 10);
      first = first === null ? offset : Math.min(first, offset);
    });
  });
  // Every line shows the same hours: from just before the week's first slot, else the evening.
  var top = first === null ? ((18 - hour0 + 24) % 24) * 60 : Math.max(0, first - 30);
  lanes.forEach(function (lane) { lane.parentNode.scrollTop = top * PPM; });

  if (!editable) { return; }

  function say(message) {
    status.textContent = message;
    status.hidden = !message;
  }

  function send(url, data, undo) {
    say("");
    grid.setAttribute("aria-busy", "true");
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(data),
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-Requested-With": "XMLHttpRequest", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          window.location.reload(); // the grid, its findings and the flash, as after the form
          return;
        }
        grid.removeAttribute("aria-busy");
        undo();
        say(body.error || response.statusText);
      });
    }, function (error) {
      grid.removeAttribute("aria-busy");
      undo();
      say(String(error));
    });
  }

  function laneAt(x, y) {
    var hit = document.elementFromPoint(x, y);
    return hit ? hit.closest(".lane") : null;
  }
  function offsetIn(lane, y, step) {
    var minutes = (y - lane.getBoundingClientRect().top) / PPM;
    var max = parseInt(lane.dataset.minutes, 10) - step;
    return Math.max(0, Math.min(max, Math.floor(minutes / step) * step));
  }

  // A report from the tray onto a day's line.
  var marker = document.createElement("div");
  marker.className = "lane-marker";
  function clearOver() {
    lanes.forEach(function (lane) { lane.classList.remove("over"); });
    if (marker.parentNode) { marker.parentNode.removeChild(marker); }
  }
  document.querySelectorAll(".tray-report").forEach(function (item) {
    item.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      event.preventDefault();
      var ghost = item.cloneNode(true);
      ghost.classList.add("tray-ghost");
      document.body.appendChild(ghost);
      function follow(e) {
        ghost.style.left = (e.clientX + 8) + "px";
        ghost.style.top = (e.clientY + 8) + "px";
        clearOver();
        var lane = laneAt(e.clientX, e.clientY);
        if (lane) {
          var offset = offsetIn(lane, e.clientY, DROP_STEP);
          lane.classList.add("over");
          marker.style.top = (offset * PPM) + "px";
          marker.textContent = clock(offset);
          lane.appendChild(marker);
        }
      }
      function finish(e) {
        document.removeEventListener("pointermove", follow);
        document.removeEventListener("pointerup", finish);
        ghost.parentNode.removeChild(ghost);
        var lane = laneAt(e.clientX, e.clientY);
        if (!lane) { clearOver(); return; }
        var offset = offsetIn(lane, e.clientY, DROP_STEP);
        send(grid.dataset.dropUrl, { report_id: parseInt(item.dataset.report, 10),
                                     day: lane.dataset.day, offset_min: offset }, clearOver);
      }
      follow(event);
      document.addEventListener("pointermove", follow);
      document.addEventListener("pointerup", finish);
    });
  });

  // A slot's lower edge: its length, in whole minutes from what it was.
  document.querySelectorAll(".lane-grip").forEach(function (grip) {
    grip.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      event.preventDefault();
      event.stopPropagation();
      var bar = grip.closest(".lane-slot");
      var label = bar.querySelector(".lane-label");
      var before = label.textContent;
      var original = parseInt(bar.dataset.duration, 10);
      var startY = event.clientY;
      var duration = original;
      bar.classList.add("resizing");
      function follow(e) {
        var minutes = Math.round((e.clientY - startY) / PPM);
        duration = Math.max(60, original + minutes * 60);
        bar.dataset.duration = String(duration);
        place(bar);
        label.textContent = before + " → " + Math.round(duration / 60) + "′";
      }
      function finish() {
        document.removeEventListener("pointermove", follow);
        document.removeEventListener("pointerup", finish);
        function undo() {
          bar.dataset.duration = String(original);
          place(bar);
          label.textContent = before;
          bar.classList.remove("resizing");
        }
        if (duration === original) { undo(); return; }
        send(bar.dataset.url, { duration_s: duration,
                                version: parseInt(bar.dataset.version, 10) }, undo);
      }
      document.addEventListener("pointermove", follow);
      document.addEventListener("pointerup", finish);
    });
  });
  grid.dataset.ready = "1";
}());

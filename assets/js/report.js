// Report page: resumable, chunked upload of the master (drag and drop, speed, time left,
// cancel, resume), and a waveform that follows the player and seeks on click.
(function () {
  "use strict";
  var csrf = document.querySelector("meta[name='csrf-token']").content;

  // Resumable upload (production/uploads.py): the file goes in 8 MB chunks, each with its
  // SHA-256 when the browser can compute it; after a dropped link, a reload or a closed
  // laptop, choosing the same file again continues where the server stopped. Nothing is
  // ingested until every byte is there.
  var form = document.getElementById("upload-form");
  if (form && window.fetch && window.Blob && Blob.prototype.slice) {
    function chunkSize() { return parseInt(form.dataset.chunk, 10) || 8 * 1024 * 1024; }
    var input = document.getElementById("upload-file");
    var box = form.querySelector(".upload-progress");
    var bar = document.getElementById("upload-progress");
    var pct = document.getElementById("upload-pct");
    var rate = document.getElementById("upload-rate");
    var message = document.getElementById("upload-message");
    var submit = form.querySelector("button[type=submit]");
    var cancelButton = document.getElementById("upload-cancel");
    var resumeButton = document.getElementById("upload-resume");
    var zone = document.getElementById("upload-card");
    var t = form.dataset;
    var current = null; // {file, token, stop, xhr}

    function say(text, kind) { message.textContent = text || ""; message.className = text ? "flash " + (kind || "ok") : ""; }
    function key(file) { return "station-upload:" + t.report + ":" + file.name + ":" + file.size + ":" + file.lastModified; }
    function human(n) {
      var units = ["B", "KB", "MB", "GB"], i = 0;
      while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
      return n.toFixed(i ? 1 : 0) + " " + units[i];
    }
    function clock(seconds) {
      seconds = Math.max(0, Math.round(seconds));
      var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
      return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
    }
    function call(method, url, body) {
      var headers = { "X-CSRFToken": csrf, "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" };
      if (body !== undefined) { headers["Content-Type"] = "application/json"; }
      return fetch(url, { method: method, headers: headers, credentials: "same-origin",
                          body: body === undefined ? undefined : JSON.stringify(body) })
        .then(function (r) {
          return r.text().then(function (text) {
            var data = {}; try { data = text ? JSON.parse(text) : {}; } catch (e) { data = { error: r.statusText }; }
            data.httpStatus = r.status; return data;
          });
        });
    }
    function digest(blob) {
      if (!(window.crypto && crypto.subtle && blob.arrayBuffer)) { return Promise.resolve(null); }
      return blob.arrayBuffer().then(function (buf) { return crypto.subtle.digest("SHA-256", buf); })
        .then(function (hash) {
          return Array.prototype.map.call(new Uint8Array(hash), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
        });
    }
    function send(job, offset, blob, sha) {
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        job.xhr = xhr;
        xhr.open("PUT", t.chunkUrl.replace("TOKEN", job.token));
        xhr.setRequestHeader("X-CSRFToken", csrf);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
        xhr.setRequestHeader("Upload-Offset", String(offset));
        if (sha) { xhr.setRequestHeader("X-Chunk-SHA256", sha); }
        xhr.upload.onprogress = function (e) { show(job, offset + e.loaded); };
        xhr.onload = function () {
          var data = {}; try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
          data.httpStatus = xhr.status; resolve(data);
        };
        xhr.onerror = function () { reject(new Error("network")); };
        xhr.onabort = function () { reject(new Error("abort")); };
        xhr.send(blob);
      });
    }
    function show(job, done) {
      var size = job.file.size, now = Date.now();
      var p = size ? Math.floor(100 * done / size) : 100;
      bar.value = p; pct.textContent = p + "% · " + human(done) + " / " + human(size);
      job.samples.push([now, done]);
      while (job.samples.length > 2 && now - job.samples[0][0] > 10000) { job.samples.shift(); }
      var first = job.samples[0], seconds = (now - first[0]) / 1000;
      if (seconds > 0 && done > first[1]) {
        var speed = (done - first[1]) / seconds;
        rate.textContent = human(speed) + "/s · " + t.left.replace("{time}", clock((size - done) / speed));
      }
    }
    function idle() { submit.disabled = false; cancelButton.hidden = true; }
    function pause(job, text) {
      if (job.stopped) { return; }
      say(text, "error"); resumeButton.hidden = false; cancelButton.hidden = false;
      job.paused = true;
    }
    function run(job, offset, tries) {
      if (job.stopped || job.paused) { return; }
      if (offset >= job.file.size) { return finish(job); }
      var blob = job.file.slice(offset, Math.min(offset + chunkSize(), job.file.size));
      digest(blob).then(function (sha) { return send(job, offset, blob, sha); }).then(function (data) {
        if (data.httpStatus === 200) { return run(job, data.offset, 0); }
        if (data.httpStatus === 409 && typeof data.offset === "number") { return run(job, data.offset, 0); }
        if (data.httpStatus === 400 && tries < 3) { return run(job, offset, tries + 1); } // damaged: again
        if (data.httpStatus === 404) { localStorage.removeItem(key(job.file)); }
        pause(job, data.error || t.failed); idle();
      }, function (err) {
        if (err.message === "abort" || job.stopped) { return; }
        if (tries < 5) { // a dropped link: wait and ask the server where it stands
          say(t.retrying, "error");
          setTimeout(function () { resume(job, tries + 1); }, 1000 * Math.pow(2, tries));
          return;
        }
        pause(job, t.paused);
      });
    }
    function resume(job, tries) {
      job.paused = false; resumeButton.hidden = true;
      call("GET", t.statusUrl.replace("TOKEN", job.token)).then(function (data) {
        if (data.httpStatus === 200) { say(""); job.samples = [[Date.now(), data.offset]]; return run(job, data.offset, tries || 0); }
        if (data.httpStatus === 404) { localStorage.removeItem(key(job.file)); return begin(job.file); }
        pause(job, data.error || t.failed);
      }, function () {
        if ((tries || 0) < 5) { setTimeout(function () { resume(job, (tries || 0) + 1); }, 2000 * Math.pow(2, tries || 0)); }
        else { pause(job, t.paused); }
      });
    }
    function finish(job) {
      say(t.checking);
      call("POST", t.finishUrl.replace("TOKEN", job.token), {}).then(function (data) {
        if (data.httpStatus === 202) {
          localStorage.removeItem(key(job.file));
          say(data.message); window.location.reload(); return;
        }
        pause(job, data.error || t.failed); idle();
      }, function () { pause(job, t.paused); });
    }
    function begin(file) {
      if (current && !current.stopped && !current.paused) { return; }
      var job = { file: file, token: localStorage.getItem(key(file)), samples: [[Date.now(), 0]], stopped: false, paused: false };
      current = job;
      box.hidden = false; submit.disabled = true; cancelButton.hidden = false; resumeButton.hidden = true;
      rate.textContent = ""; say("");
      if (job.token) { return resume(job, 0); }
      call("POST", t.startUrl, { name: file.name, size: file.size }).then(function (data) {
        if (data.httpStatus !== 201) { say(data.error || t.failed, "error"); idle(); box.hidden = true; return; }
        job.token = data.token; localStorage.setItem(key(file), data.token);
        run(job, 0, 0);
      }, function () { say(t.failed, "error"); idle(); });
    }
    form.addEventListener("submit", function (event) {
      if (!input.files.length) { return; } // the browser says the field is required
      event.preventDefault();
      begin(input.files[0]);
    });
    cancelButton.addEventListener("click", function () {
      var job = current; if (!job) { return; }
      job.stopped = true; if (job.xhr) { job.xhr.abort(); }
      localStorage.removeItem(key(job.file));
      if (job.token) { call("DELETE", t.statusUrl.replace("TOKEN", job.token)); }
      say(t.cancelled); idle(); box.hidden = true; resumeButton.hidden = true;
    });
    resumeButton.addEventListener("click", function () { if (current) { resume(current, 0); } });
    window.addEventListener("online", function () { if (current && current.paused) { resume(current, 0); } });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dropping"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dropping"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        try { input.files = e.dataTransfer.files; } catch (err) { /* old browsers: not shown */ }
        begin(e.dataTransfer.files[0]);
      }
    });
  }

  var player = document.getElementById("player");
  var wave = document.getElementById("waveform");
  if (player && wave) {
    var head = document.getElementById("playhead");
    player.addEventListener("timeupdate", function () {
      if (player.duration) { head.style.left = (100 * player.currentTime / player.duration) + "%"; }
    });
    wave.addEventListener("click", function (e) {
      var box = wave.getBoundingClientRect();
      if (player.duration) { player.currentTime = player.duration * (e.clientX - box.left) / box.width; }
    });
  }
})();

// Report page: upload with a progress bar (the file is streamed as the request body),
// and a waveform that follows the player and seeks on click.
(function () {
  "use strict";
  var csrf = document.querySelector("meta[name='csrf-token']").content;

  var form = document.getElementById("upload-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      var input = document.getElementById("upload-file");
      if (!input.files.length || !window.XMLHttpRequest) { return; } // plain form post
      event.preventDefault();
      var file = input.files[0];
      var box = form.querySelector(".upload-progress");
      var bar = document.getElementById("upload-progress");
      var pct = document.getElementById("upload-pct");
      var message = document.getElementById("upload-message");
      var button = form.querySelector("button[type=submit]");
      box.hidden = false; button.disabled = true; message.textContent = ""; message.className = "";
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          var p = Math.round(100 * e.loaded / e.total);
          bar.value = p; pct.textContent = p + "%";
        }
      };
      xhr.onload = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = { error: xhr.statusText }; }
        if (xhr.status === 202) {
          message.textContent = data.message; message.className = "flash ok";
          window.location.reload();
        } else {
          message.textContent = data.error || xhr.statusText; message.className = "flash error";
          button.disabled = false;
        }
      };
      xhr.onerror = function () {
        message.textContent = form.dataset.failed || "Upload failed"; message.className = "flash error";
        button.disabled = false;
      };
      xhr.send(file);
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

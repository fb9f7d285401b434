// Social clips page: "Set in" / "Set out" copy the player's position into the typed fields
// (as 00:01:02.500, which the server reads back exactly), and the clip's length is shown.
(function () {
  "use strict";
  var player = document.getElementById("clip-player");
  function stamp(seconds) {
    var ms = Math.max(0, Math.round(seconds * 1000));
    var h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60;
    var s = Math.floor(ms / 1000) % 60, f = ms % 1000;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(h) + ":" + two(m) + ":" + two(s) + "." + ("00" + f).slice(-3);
  }
  function read(text) {
    var match = /^(?:(?:(\d+):)?(\d{1,2}):)?(\d+)(?:[.,](\d{1,3}))?$/.exec((text || "").trim());
    if (!match) { return null; }
    var frac = parseInt(((match[4] || "0") + "00").slice(0, 3), 10);
    return ((parseInt(match[1] || "0", 10) * 60 + parseInt(match[2] || "0", 10)) * 60 +
            parseInt(match[3], 10)) * 1000 + frac;
  }
  var length = document.getElementById("clip-length");
  function showLength() {
    if (!length) { return; }
    var a = read(document.getElementById("clip-in").value);
    var b = read(document.getElementById("clip-out").value);
    length.textContent = a !== null && b !== null && b > a ? ((b - a) / 1000).toFixed(1) + " s" : "";
  }
  ["set-in", "set-out"].forEach(function (id) {
    var button = document.getElementById(id);
    if (!button) { return; }
    button.disabled = !player;
    button.addEventListener("click", function () {
      if (!player) { return; }
      document.getElementById(button.dataset.target).value = stamp(player.currentTime);
      showLength();
    });
  });
  ["clip-in", "clip-out"].forEach(function (id) {
    var field = document.getElementById(id);
    if (field) { field.addEventListener("input", showLength); }
  });
  showLength();
})();

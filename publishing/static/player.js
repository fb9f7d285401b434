/* Captions drawn by the page, not the browser: every track stays "hidden" (loaded, cues
   active) and the chosen language's cues are written into .cap with that language's lang
   attribute, so the right font (fonts.css) and screen-reader voice apply
   (docs/publishing.md "Player"). */
(function () {
  "use strict";
  function cueText(cue) {
    if (typeof cue.getCueAsHTML === "function") { return cue.getCueAsHTML().textContent; }
    return cue.text;
  }
  function setUp(box) {
    var media = box.querySelector("video, audio");
    var out = box.querySelector(".cap");
    var menu = document.getElementById(box.getAttribute("data-menu"));
    if (!media || !out) { return; }
    var current = null;
    function show() {
      var lines = [];
      if (current && current.activeCues) {
        for (var i = 0; i < current.activeCues.length; i++) { lines.push(cueText(current.activeCues[i])); }
      }
      out.textContent = lines.join("\n");
      out.hidden = lines.length === 0;
    }
    function choose(lang) {
      current = null;
      for (var i = 0; i < media.textTracks.length; i++) {
        var track = media.textTracks[i];
        track.mode = "hidden";
        track.oncuechange = null;
        if (lang && track.language === lang) { current = track; }
      }
      if (current) { current.oncuechange = show; out.setAttribute("lang", lang); }
      show();
    }
    choose(menu ? menu.value : (media.textTracks.length ? media.textTracks[0].language : ""));
    if (menu) { menu.addEventListener("change", function () { choose(menu.value); }); }
    media.addEventListener("timeupdate", show);
  }
  var boxes = document.querySelectorAll("[data-player]");
  for (var i = 0; i < boxes.length; i++) { setUp(boxes[i]); }
})();

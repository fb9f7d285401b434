// The partner's package page: show the subtitle language picked under the preview player.
(function () {
  var select = document.getElementById("caption-select"), video = document.getElementById("player");
  if (!select || !video) return;
  select.addEventListener("change", function () {
    for (var i = 0; i < video.textTracks.length; i++) {
      var t = video.textTracks[i];
      t.mode = t.language === select.value ? "showing" : "disabled";
    }
  });
})();

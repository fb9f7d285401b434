// Report list: "select all" for the bulk actions, and how many reports are ticked.
// Without script the checkboxes and the action bar still work; only select-all needs this.
(function () {
  "use strict";
  var all = document.querySelector("input.select-all");
  if (!all) { return; }
  var form = document.getElementById(all.dataset.form);
  var count = document.getElementById("bulk-count");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll("input[type=checkbox][name=report][form='" + all.dataset.form + "']"));
  var idle = count ? count.textContent : "";

  function refresh() {
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = ticked > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
    if (count) {
      count.textContent = ticked ? count.dataset.template.replace("{n}", String(ticked)) : idle;
    }
  }

  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    refresh();
  });
  boxes.forEach(function (b) { b.addEventListener("change", refresh); });
  if (form) {
    form.addEventListener("submit", function (event) {
      if (!boxes.some(function (b) { return b.checked; })) {
        event.preventDefault();
        if (count) { count.textContent = form.dataset.none || idle; }
      }
    });
  }
  refresh();
})();

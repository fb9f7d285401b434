// The prompter: the anchor's words in running order, scrolling at the operator's speed.
// Keys: space starts and stops, up/down change the speed, M mirrors the text for a beam-splitter
// glass (CSS scaleX(-1)), + and - change the text size. Loaded as a file (the page's CSP allows
// no inline script); sizes and the mirror are set through the CSSOM and a class.
(function () {
  "use strict";
  var box = document.getElementById("prompter");
  if (!box) { return; }
  var text = document.getElementById("prompter-text");
  var speedOut = document.getElementById("prompter-speed");
  var MIN_SPEED = 1, MAX_SPEED = 10, PX_PER_STEP = 20; // pixels a second per speed step
  var MIN_SIZE = 24, MAX_SIZE = 160;
  var speed = parseInt(box.dataset.speed, 10) || 3;
  var size = parseInt(box.dataset.size, 10) || 64;
  var running = false, last = null, carry = 0;

  function show() {
    box.dataset.speed = speed;
    box.dataset.size = size;
    box.dataset.running = running ? "1" : "0";
    speedOut.textContent = speed;
    text.style.fontSize = size + "px";
  }
  function frame(now) {
    if (!running) { last = null; return; }
    if (last !== null) {
      carry += (now - last) / 1000 * speed * PX_PER_STEP;
      var whole = Math.floor(carry);
      if (whole > 0) { box.scrollTop += whole; carry -= whole; }
    }
    last = now;
    window.requestAnimationFrame(frame);
  }
  function toggle() {
    running = !running;
    show();
    if (running) { window.requestAnimationFrame(frame); }
  }
  document.addEventListener("keydown", function (event) {
    var key = event.key;
    if (key === " " || key === "Spacebar") { toggle(); }
    else if (key === "ArrowUp") { speed = Math.min(MAX_SPEED, speed + 1); show(); }
    else if (key === "ArrowDown") { speed = Math.max(MIN_SPEED, speed - 1); show(); }
    else if (key === "m" || key === "M") { text.classList.toggle("mirrored"); }
    else if (key === "+" || key === "=") { size = Math.min(MAX_SIZE, size + 8); show(); }
    else if (key === "-" || key === "_") { size = Math.max(MIN_SIZE, size - 8); show(); }
    else { return; }
    event.preventDefault();
  });
  show();
  box.focus();
  box.dataset.ready = "1";
}());

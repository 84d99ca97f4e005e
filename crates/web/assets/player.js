// The lesson player: hls.js plays the signed master playlist (Safari plays HLS itself);
// the watermark moves every few seconds; playback pauses when the page is hidden.
(function () {
  "use strict";
  var video = document.getElementById("player");
  if (!video) return;
  var src = video.getAttribute("data-src");
  if (window.Hls && window.Hls.isSupported()) {
    // No worker: the CSP allows scripts from this origin only (no blob: workers).
    var hls = new window.Hls({ enableWorker: false });
    hls.loadSource(src);
    hls.attachMedia(video);
    hls.on(window.Hls.Events.ERROR, function (_e, data) {
      if (data.fatal) {
        video.setAttribute("data-error", data.details || "error");
      }
    });
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
  }
  var mark = document.getElementById("watermark");
  function move() {
    if (!mark) return;
    mark.style.top = (5 + Math.random() * 75) + "%";
    mark.style.left = (5 + Math.random() * 65) + "%";
  }
  setInterval(move, 4000);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && !video.paused) video.pause();
  });
})();

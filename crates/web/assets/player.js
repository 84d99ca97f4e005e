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

// Supervised study: when the page offers it (data-study), open a study session and send
// a heartbeat every interval ± a few seconds with the position, the rate and whether the
// page is in front. The server decides what counts; this only reports and shows it. The
// learner cannot seek past the furthest point reached by watching.
//
// A document lesson has no video: its "position" is the time spent reading with the page
// in front, kept by a clock that looks to the code below like a playing video.
function readingClock() {
  "use strict";
  var doc = document.getElementById("document");
  if (!doc || !doc.getAttribute("data-study")) return null;
  var secs = 0, last = Date.now(), paused = false;
  setInterval(function () {
    var now = Date.now();
    if (!paused && !document.hidden) secs += (now - last) / 1000;
    last = now;
  }, 500);
  var clock = {
    playbackRate: 1,
    readyState: 1,
    seeking: false,
    pause: function () { paused = true; },
    play: function () { paused = false; last = Date.now(); },
    getAttribute: function (n) { return doc.getAttribute(n); },
    setAttribute: function (n, v) { doc.setAttribute(n, v); },
    addEventListener: function () {}
  };
  Object.defineProperty(clock, "currentTime", {
    get: function () { return secs; },
    set: function (v) { secs = v; last = Date.now(); }
  });
  return clock;
}
(function () {
  "use strict";
  var video = document.getElementById("player") || readingClock();
  var status = document.getElementById("study-status");
  if (!video || !video.getAttribute("data-study")) return;
  var lesson = video.getAttribute("data-study");
  var csrf = video.getAttribute("data-csrf");
  var mark = document.getElementById("watermark");
  var session = null;
  var seq = 0;
  var furthest = 0;
  // Seeking forward is blocked unless the course and the class allow it (the server
  // credits only watched time either way).
  var freeSeek = false;
  var timer = null;
  var stopped = false;

  function show(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.className = "alert py-2 small alert-" + (kind || "info");
  }
  function duration(ms) {
    var secs = Math.floor(ms / 1000);
    if (secs < 600) return Math.floor(secs / 60) + "分" + (secs % 60) + "秒";
    return Math.floor(secs / 60) + "分钟";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, body: j }; },
        function () { return { status: r.status, body: {} }; });
    });
  }
  // A watch check (观看验证): the video pauses until the learner answers.
  var asking = null;
  function ask(check, note) {
    if (!check || (asking && asking.id === check.id)) return;
    asking = check;
    var box = document.getElementById("study-check");
    if (!box) {
      box = document.createElement("form");
      box.id = "study-check";
      // Over the video; over the page (wherever it is scrolled) for a document.
      var wrap = document.getElementById("player-wrap");
      box.className = (wrap ? "position-absolute" : "position-fixed") + " top-50 start-50 translate-middle bg-white rounded p-3 shadow";
      box.style.zIndex = "10";
      box.style.minWidth = "16rem";
      box.innerHTML = '<div class="fw-bold mb-1">观看验证</div><div class="small text-secondary mb-2" id="study-check-note"></div>' +
        '<label class="form-label" for="study-check-answer" id="study-check-prompt"></label>' +
        '<div class="d-flex gap-2"><input class="form-control" id="study-check-answer" inputmode="numeric" autocomplete="off" required>' +
        '<button class="btn btn-primary text-nowrap" type="submit" id="study-check-submit">确定</button></div>';
      (wrap || document.body).appendChild(box);
      box.addEventListener("submit", function (e) {
        e.preventDefault();
        var input = document.getElementById("study-check-answer");
        post("/study-sessions/" + session.session_id + "/checks/" + asking.id, { answer: input.value }).then(function (r) {
          var b = r.body || {};
          input.value = "";
          if (r.status === 200 && (b.outcome === "passed" || b.outcome === "late")) {
            asking = null;
            box.style.display = "none";
            show("验证通过，继续计时。", "info");
            video.play();
          } else if (r.status === 200 && b.next) {
            asking = null;
            ask(b.next, "回答错误，请重新作答。");
          } else {
            show((b.detail || "验证提交失败") + "。", "warning");
          }
        });
      });
    }
    video.pause();
    box.style.display = "block";
    document.getElementById("study-check-note").textContent = note || "请在规定时间内作答，超时后暂停计时。";
    document.getElementById("study-check-prompt").textContent = check.prompt;
    video.setAttribute("data-check", check.id);
  }
  function progress(credited) {
    var line = "已计" + duration(credited) + "/本课时" + duration(session.lesson_ms);
    return line;
  }
  function schedule() {
    if (stopped) return;
    var jitter = (Math.random() * 6 - 3) * 1000;
    timer = setTimeout(beat, session.interval_secs * 1000 + jitter);
  }
  // A heartbeat whose answer never came is sent again unchanged: the server counts a
  // repeat of the last one once.
  var pending = null;
  function beat() {
    var body = pending;
    if (!body) {
      seq += 1;
      body = {
        token: session.token,
        seq: seq,
        position_ms: Math.min(session.lesson_ms, Math.max(0, Math.round(video.currentTime * 1000))),
        rate_pct: Math.round((video.playbackRate || 1) * 100),
        visible: !document.hidden
      };
    }
    pending = body;
    post("/study-sessions/" + session.session_id + "/beats", body).then(function (r) {
      if (r.status < 500) pending = null;
      var b = r.body || {};
      video.setAttribute("data-beats", String(seq));
      if (r.status === 200) {
        if (b.duplicate) {
          // Already counted.
        } else if (b.complete) {
          show(progress(b.lesson_credited_ms) + "，本课时已完成。", "success");
        } else if (b.irregularity) {
          show(progress(b.lesson_credited_ms) + "。刚才的时间不计学时：" + b.irregularity_label, "warning");
        } else {
          show(progress(b.lesson_credited_ms) + "，学习中。", "info");
        }
        video.setAttribute("data-credited", String(b.lesson_credited_ms));
        if (b.check) ask(b.check);
        if (b.cleared) {
          stopped = true;
          video.pause();
          show("因学习过程不规范，本课程学时已清零。", "danger");
          return;
        }
        schedule();
      } else if (r.status === 409) {
        if (b.irregularity === "several_devices") {
          stopped = true;
          video.pause();
          show("您已在其他设备或页面继续学习，本页不再计时。", "warning");
          return;
        }
        if (b.cleared) {
          stopped = true;
          video.pause();
          show("因学习过程不规范，本课程学时已清零。", "danger");
          return;
        }
        show((b.detail || "心跳未被接受") + "。", "warning");
        if (b.irregularity) schedule(); else stopped = true;
      } else if (r.status >= 500) {
        show("学习记录暂时连接不上，稍后自动重试。", "warning");
        schedule();
      } else {
        stopped = true;
        show(((r.body && r.body.detail) || "无法继续计时") + "，请刷新页面。", "warning");
      }
    }, function () {
      show("网络中断，恢复后继续计时。", "warning");
      schedule();
    });
  }

  // Leaving the page ends the session, so opening the next lesson is not taken for a
  // second device.
  window.addEventListener("pagehide", function () {
    if (!session || stopped) return;
    try {
      fetch("/study-sessions/" + session.session_id + "/end", {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: { "x-csrf-token": csrf }
      });
    } catch (e) { /* the session goes idle on its own */ }
  });

  // The player forbids seeking past what has been watched (unless allowed), and plays at
  // 1× only.
  video.addEventListener("timeupdate", function () {
    if (!video.seeking && video.currentTime > furthest && video.currentTime - furthest < 3) {
      furthest = video.currentTime;
    }
  });
  video.addEventListener("seeking", function () {
    if (freeSeek) return;
    if (video.currentTime > furthest + 1) {
      video.currentTime = furthest;
      show("未学过的内容不能拖动跳过。", "warning");
    }
  });
  video.addEventListener("ratechange", function () {
    if (video.playbackRate !== 1) {
      video.playbackRate = 1;
      show("倍速播放不计学时，已恢复正常速度。", "warning");
    }
  });

  var klass = video.getAttribute("data-class");
  post("/lessons/" + encodeURIComponent(lesson) + "/study", klass ? { class_id: klass } : {}).then(function (r) {
    if (r.status !== 201) {
      show((r.body && r.body.detail) || "无法开始计时。", "warning");
      return;
    }
    session = r.body;
    freeSeek = !!session.free_seek;
    furthest = session.position_ms / 1000;
    if (session.position_ms > 0) {
      var resume = function () { video.currentTime = session.position_ms / 1000; };
      if (video.readyState >= 1) resume();
      else video.addEventListener("loadedmetadata", resume, { once: true });
    }
    if (mark && session.watermark) mark.textContent = session.watermark;
    video.setAttribute("data-session", session.session_id);
    show(progress(session.credited_ms) + (session.complete ? "，本课时已完成。" : (document.getElementById("player") ? "。播放即开始计时。" : "。阅读即开始计时。")),
      session.complete ? "success" : "info");
    schedule();
  });
})();

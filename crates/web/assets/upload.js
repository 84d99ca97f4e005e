// The resumable video uploader on a course package page: the file is cut into the chunks
// the server asks for, each sent once (an interrupted upload, picked again, sends only the
// missing ones), with a progress bar; then the server is told it is complete.
(function () {
  "use strict";
  var form = document.getElementById("video-upload");
  if (!form) return;
  var csrf = form.querySelector("input[name=_csrf]").value;
  var bar = document.getElementById("upload-progress");
  var note = document.getElementById("upload-note");
  function say(t) { note.textContent = t; }
  function json(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.detail || ("上传失败（" + r.status + "）"));
        return j;
      });
    });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = form.querySelector("input[type=file]").files[0];
    if (!file) { say("请选择视频文件"); return; }
    var version = form.getAttribute("data-version");
    var memo = "jn-upload:" + version + ":" + file.name + ":" + file.size;
    var known = window.localStorage ? localStorage.getItem(memo) : null;
    var start = known
      ? json("GET", "/uploads/" + known).catch(function () { return null; })
      : Promise.resolve(null);
    start.then(function (m) {
      if (m && m.status === "uploading") return m;
      return json("POST", "/course-versions/" + version + "/uploads", {
        chapter_id: form.querySelector("select[name=chapter_id]").value,
        title: form.querySelector("input[name=title]").value,
        filename: file.name,
        size: file.size,
        preview: form.querySelector("input[name=preview]").checked
      });
    }).then(function (m) {
      if (window.localStorage) localStorage.setItem(memo, m.id);
      var have = {};
      (m.received || []).forEach(function (n) { have[n] = true; });
      var n = 0, done = (m.received || []).length;
      function next() {
        while (n < m.chunks && have[n]) n++;
        if (n >= m.chunks) return Promise.resolve();
        var from = n * m.chunk_bytes;
        var piece = file.slice(from, Math.min(from + m.chunk_bytes, file.size));
        var i = n;
        n++;
        return fetch("/uploads/" + m.id + "/chunks/" + i, {
          method: "PUT",
          credentials: "same-origin",
          headers: { "content-type": "application/octet-stream", "x-csrf-token": csrf },
          body: piece
        }).then(function (r) {
          if (!r.ok) throw new Error("第" + (i + 1) + "个分片上传失败（" + r.status + "），重新选择同一文件可继续上传");
          done++;
          var pct = Math.round(done * 100 / m.chunks);
          bar.style.width = pct + "%";
          bar.textContent = pct + "%";
          return next();
        });
      }
      say("正在上传……");
      return next().then(function () { return json("POST", "/uploads/" + m.id + "/complete"); });
    }).then(function () {
      if (window.localStorage) localStorage.removeItem(memo);
      say("上传完成，视频正在转码，完成后即可播放。");
      window.location.href = form.getAttribute("data-done");
    }).catch(function (e) { say(e.message); });
  });
})();

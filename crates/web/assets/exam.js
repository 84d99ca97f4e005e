// The answer sheet: each answer is saved as it is given (the server keeps the clock and
// refuses answers after the deadline), the clock counts down from the server's figure,
// and at zero the sheet is handed in (the server marks it anyway, with what was saved).
(function () {
  var form = document.getElementById("exam-sheet");
  if (!form) return;
  var attempt = form.getAttribute("data-attempt");
  var csrf = form.getAttribute("data-csrf");
  var clock = document.getElementById("exam-clock");
  var answered = document.getElementById("exam-answered");
  var left = parseInt(clock.getAttribute("data-remaining"), 10) || 0;
  var deadline = Date.now() + left * 1000;
  var done = false;

  function note(box, text, bad) {
    var n = box.querySelector(".exam-note");
    if (!n) return;
    n.textContent = text;
    n.className = "small exam-note " + (bad ? "text-danger" : "text-secondary");
  }
  function letters(box) {
    var out = "";
    box.querySelectorAll("input:checked").forEach(function (i) { out += i.value; });
    return out;
  }
  function count() {
    var n = 0;
    form.querySelectorAll(".exam-question").forEach(function (b) { if (letters(b)) n++; });
    if (answered) answered.textContent = n;
  }
  function save(box, tries) {
    var body = { position: parseInt(box.getAttribute("data-position"), 10), answer: letters(box) };
    note(box, "保存中…", false);
    fetch("/exam-attempts/" + attempt + "/answers", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, body: j }; },
        function () { return { status: r.status, body: {} }; });
    }).then(function (r) {
      if (r.status === 200) { note(box, "已保存", false); return; }
      if (r.status === 409) { note(box, r.body.detail || "考试已结束", true); location.reload(); return; }
      note(box, (r.body && r.body.detail) || "未保存，请重试", true);
    }, function () {
      // A dropped connection: try again a few times; 交卷 sends every answer anyway.
      note(box, "网络中断，正在重试…", true);
      if ((tries || 0) < 5) setTimeout(function () { save(box, (tries || 0) + 1); }, 2000);
    });
  }
  form.addEventListener("change", function (e) {
    var box = e.target.closest(".exam-question");
    if (!box) return;
    count();
    save(box, 0);
  });
  function tick() {
    var s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    clock.textContent = String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
    if (s <= 60) clock.className = "text-danger";
    if (s === 0 && !done) {
      done = true;
      form.removeAttribute("data-confirm");
      form.submit();
      return;
    }
    setTimeout(tick, 1000);
  }
  form.addEventListener("submit", function (e) { if (!e.defaultPrevented) done = true; });
  tick();
})();

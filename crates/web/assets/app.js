// Larger text for older users (适老化): the 大字 switch in the header; the choice is
// kept in this browser and applied on every page.
(function () {
  var key = "jineng.largeText";
  var on = false;
  try { on = localStorage.getItem(key) === "1"; } catch (e) { }
  var apply = function () {
    document.documentElement.classList.toggle("large-text", on);
    document.querySelectorAll("[data-text-size]").forEach(function (b) {
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.textContent = on ? "标准字" : "大字";
    });
  };
  apply();
  document.addEventListener("DOMContentLoaded", apply);
  document.addEventListener("click", function (e) {
    if (!(e.target.closest && e.target.closest("[data-text-size]"))) { return; }
    on = !on;
    try { localStorage.setItem(key, on ? "1" : "0"); } catch (x) { }
    apply();
  });
})();
// Jineng page behaviour. No inline scripts anywhere (the CSP forbids them):
// confirmations are declared with data-confirm on forms and buttons.
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
}, true);
// Full-screen buttons: <button data-fullscreen="id"> shows that element on the whole
// screen (a projector in the classroom); pressing again, or Esc, leaves it.
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest("[data-fullscreen]");
  if (!b) { return; }
  var el = document.getElementById(b.getAttribute("data-fullscreen"));
  if (document.fullscreenElement) { document.exitFullscreen(); }
  else if (el && el.requestFullscreen) { el.requestFullscreen(); }
});
// Print buttons: <button data-print>.
document.addEventListener("click", function (e) {
  if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
});
// Forms with data-geolocate ask the browser where the phone is (if allowed) and send it
// in their hidden lat / lng / acc fields; they are sent anyway when it cannot say.
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (!f.hasAttribute || !f.hasAttribute("data-geolocate") || f.dataset.located) { return; }
  if (!navigator.geolocation) { return; }
  e.preventDefault();
  var send = function () { f.dataset.located = "1"; f.submit(); };
  navigator.geolocation.getCurrentPosition(function (p) {
    f.elements.lat.value = p.coords.latitude;
    f.elements.lng.value = p.coords.longitude;
    f.elements.acc.value = Math.round(p.coords.accuracy);
    send();
  }, send, { enableHighAccuracy: true, timeout: 6000, maximumAge: 0 });
});
// File pickers in Chinese whatever the browser's language: each <input type=file> gets a
// 选择文件 button and the chosen file's name beside it; the input itself stays in the page
// (hidden from sight, not from keyboards and screen readers).
function chinesePickers(root) {
  (root || document).querySelectorAll("input[type=file]:not([data-picker])").forEach(function (input, i) {
    input.setAttribute("data-picker", "1");
    if (!input.id) { input.id = "file-" + Date.now() + "-" + i; }
    var box = document.createElement("div");
    box.className = "input-group file-picker mb-2";
    var button = document.createElement("label");
    button.className = "btn btn-outline-secondary";
    button.htmlFor = input.id;
    button.textContent = input.multiple ? "选择文件（可多选）" : "选择文件";
    var name = document.createElement("span");
    name.className = "form-control text-truncate file-picker-name";
    name.textContent = "未选择文件";
    input.parentNode.insertBefore(box, input);
    box.appendChild(button);
    box.appendChild(name);
    box.appendChild(input);
    input.classList.add("visually-hidden");
    input.addEventListener("change", function () {
      var files = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      name.textContent = files.length ? files.join("、") : "未选择文件";
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { chinesePickers(document); });
document.addEventListener("htmx:afterSwap", function (e) { chinesePickers(e.target); });
// A table that scrolls sideways can be scrolled from the keyboard: its wrapper takes the
// focus and is named for screen readers.
function scrollableTables(root) {
  (root || document).querySelectorAll(".table-responsive:not([tabindex])").forEach(function (el) {
    el.tabIndex = 0;
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", "表格（可左右滚动）");
  });
}
document.addEventListener("DOMContentLoaded", function () { scrollableTables(document); });
document.addEventListener("htmx:afterSwap", function (e) { scrollableTables(e.target); });

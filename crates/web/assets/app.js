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

// Jineng page behaviour. No inline scripts anywhere (the CSP forbids them):
// confirmations are declared with data-confirm on forms and buttons.
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
}, true);
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

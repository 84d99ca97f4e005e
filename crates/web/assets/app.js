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

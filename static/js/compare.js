// Progressive enhancement for /nachnutzen/vergleich/: "Nur Zeilen mit Unterschieden zeigen" and
// a hint when the table is wider than the screen. Without JavaScript the full table shows.
(function () {
  "use strict";
  var wrap = document.querySelector(".compare-wrap");
  if (!wrap) return;
  var table = wrap.querySelector("table");

  var toggleBox = document.querySelector(".js-only-diff");
  var toggle = document.getElementById("only-differences");
  var equalRows = Array.prototype.slice.call(table.querySelectorAll('tbody tr[data-equal="true"]'));
  if (toggleBox && toggle && equalRows.length) {
    toggleBox.hidden = false;
    toggle.addEventListener("change", function () {
      equalRows.forEach(function (row) {
        row.hidden = toggle.checked;
      });
    });
  }

  var hint = document.querySelector(".js-scroll-hint");
  function updateHint() {
    if (hint) hint.hidden = wrap.scrollWidth <= wrap.clientWidth + 1;
  }
  updateHint();
  window.addEventListener("resize", updateHint);
})();

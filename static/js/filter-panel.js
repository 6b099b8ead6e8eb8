// The filter panel of /suche/ and /karte/ is a <details> element, sent open: without JavaScript it
// is a column beside the results on wide screens and follows the results on phones, and its
// "Filter (n aktiv)" summary opens and closes it. Here it starts closed on narrow screens, where
// the results come first, and the "Filter (n aktiv)" link above the results opens it.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 64em)");
  var panels = document.querySelectorAll("details.filter-panel");
  if (!panels.length) return;

  function fit() {
    panels.forEach(function (panel) { panel.open = wide.matches; });
  }
  fit();
  wide.addEventListener("change", fit);

  document.querySelectorAll("a[data-opens]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var panel = document.getElementById(link.dataset.opens);
      if (!panel) return;
      event.preventDefault();
      panel.open = true;
      panel.scrollIntoView({ block: "start" });
      var summary = panel.querySelector("summary");
      if (summary) summary.focus();
    });
  });
})();

// Progressive enhancement for /suche/: suggestions while typing and filters that apply
// themselves. Without JavaScript the form and its "Filter anwenden" button do the same.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-suggestions");
  if (!form || !input || !list) return;

  var timer = null;
  var lastPrefix = "";
  input.addEventListener("input", function () {
    var prefix = input.value.trim();
    window.clearTimeout(timer);
    if (prefix.length < 2 || prefix === lastPrefix) return;
    timer = window.setTimeout(function () {
      lastPrefix = prefix;
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(prefix), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          list.replaceChildren();
          (data.suggestions || []).forEach(function (text) {
            var option = document.createElement("option");
            option.value = text;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 150);
  });

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches('input[type="checkbox"]') || target.id === "search-sort") {
      form.submit();
    }
  });
})();

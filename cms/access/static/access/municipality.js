// Progressive enhancement for /zugang/: municipality suggestions in a <datalist> while typing.
// Each suggestion ends with the AGS, which the server resolves exactly. Without JavaScript the
// server resolves the typed name and offers a choice if it is ambiguous.
(function () {
  "use strict";
  // After a failed post, start at the error summary (it is also announced as an alert).
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  var input = document.getElementById("id_municipality_query");
  var list = document.getElementById("municipality-suggestions");
  if (!input || !list || !input.dataset.lookupUrl || !window.fetch) return;

  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    var query = input.value.trim();
    window.clearTimeout(timer);
    if (query.length < 2 || query === last || /\(\s*[^)]*\d{8}\s*\)$/.test(query)) return;
    timer = window.setTimeout(function () {
      last = query;
      fetch(input.dataset.lookupUrl + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          list.replaceChildren();
          (data.results || []).forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.label;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 200);
  });
})();

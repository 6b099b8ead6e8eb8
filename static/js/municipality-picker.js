// Progressive enhancement for /meine-kommune/: suggestions from /api/v1/kommunen/ while
// typing, shown in a <datalist>. Each suggestion's value is "Name (Kreis, Land)", which the
// server resolves exactly. Without JavaScript the form works the same, with a choice list.
(function () {
  "use strict";
  var input = document.getElementById("kommune-q");
  var list = document.getElementById("kommune-suggestions");
  if (!input || !list || !window.fetch) return;

  var timer = null;
  var lastQuery = "";
  var pending = null;

  function show(results) {
    list.replaceChildren();
    results.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.label;
      option.label = item.label + " · " + item.size_class_label + " · " + item.ags;
      option.textContent = option.label;
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    var query = input.value.trim();
    window.clearTimeout(timer);
    if (query.length < 2 || query === lastQuery) return;
    timer = window.setTimeout(function () {
      lastQuery = query;
      if (pending && pending.abort) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      fetch(input.dataset.url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        signal: pending ? pending.signal : undefined,
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === query) show(data.results || []); })
        .catch(function () { /* suggestions are optional; the form still works */ });
    }, 150);
  });
})();

// Progressive enhancement for /suche/: suggestions while typing, and filters that apply
// themselves. Without JavaScript the form and its "Filter anwenden" button do the same.
//
// The suggestions are an ARIA combobox (WAI-ARIA 1.2, "list autocomplete"): the field keeps the
// focus, aria-activedescendant names the highlighted option of the grouped listbox
// (Projekte, Kommunen, Charta-Begriffe from /api/v1/suggest/). Arrow keys move, Enter takes
// the option (a project suggestion is searched, a municipality or Charta term opened),
// Escape closes the list.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var listbox = document.getElementById("search-suggestions");
  var status = document.getElementById("search-suggestions-status");
  if (!form || !input || !listbox) return;

  var timer = null;
  var lastPrefix = "";
  var requestNumber = 0;
  var options = [];
  var active = -1;

  function setStatus(text) {
    if (status) status.textContent = text;
  }

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
    options.forEach(function (option) { option.setAttribute("aria-selected", "false"); });
  }

  function open() {
    if (!options.length) return;
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(index) {
    if (!options.length) return;
    if (active >= 0) options[active].setAttribute("aria-selected", "false");
    active = (index + options.length) % options.length;
    var option = options[active];
    option.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function choose(option) {
    var url = option.dataset.url;
    close();
    if (url) {
      window.location.assign(url);
      return;
    }
    input.value = option.dataset.text;
    lastPrefix = input.value.trim();
    form.submit();
  }

  function groupsOf(data) {
    if (Array.isArray(data.groups)) return data.groups;
    // An older answer without groups: the completions alone.
    var items = (data.suggestions || []).map(function (text) { return { text: text, url: "", hint: "" }; });
    return items.length ? [{ key: "projekte", label: "Projekte", items: items }] : [];
  }

  function render(groups) {
    listbox.replaceChildren();
    options = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    groups.forEach(function (group, groupIndex) {
      if (!group.items || !group.items.length) return;
      var element = document.createElement("ul");
      element.setAttribute("role", "group");
      var label = document.createElement("li");
      label.setAttribute("role", "presentation");
      label.className = "suggestions__label";
      label.id = "search-suggestions-group-" + groupIndex;
      label.textContent = group.label;
      element.setAttribute("aria-labelledby", label.id);
      element.appendChild(label);
      group.items.forEach(function (item) {
        var option = document.createElement("li");
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.id = "search-suggestion-" + options.length;
        option.className = "suggestions__option";
        option.dataset.text = item.text;
        option.dataset.url = item.url || "";
        option.appendChild(document.createTextNode(item.text));
        if (item.hint) {
          var hint = document.createElement("span");
          hint.className = "suggestions__hint";
          hint.textContent = " – " + item.hint;
          option.appendChild(hint);
        }
        element.appendChild(option);
        options.push(option);
      });
      listbox.appendChild(element);
    });
    if (options.length) {
      open();
      setStatus(options.length === 1 ? "1 Vorschlag" : options.length + " Vorschläge");
    } else {
      close();
      setStatus("");
    }
  }

  input.addEventListener("input", function () {
    var prefix = input.value.trim();
    window.clearTimeout(timer);
    if (prefix.length < 2) {
      lastPrefix = prefix;
      render([]);
      return;
    }
    if (prefix === lastPrefix) return;
    timer = window.setTimeout(function () {
      lastPrefix = prefix;
      var number = ++requestNumber;
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(prefix), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          // Only the answer to what is typed now: an older, slower one must not replace it.
          if (number === requestNumber && input.value.trim() === prefix) render(groupsOf(data));
        })
        .catch(function () { render([]); });
    }, 150);
  });

  input.addEventListener("keydown", function (event) {
    var expanded = !listbox.hidden && options.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      if (!expanded) open();
      if (event.key === "ArrowDown") highlight(active < 0 ? 0 : active + 1);
      else highlight(active < 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter") {
      if (expanded && active >= 0) {
        event.preventDefault();
        choose(options[active]);
      }
    } else if (event.key === "Escape") {
      if (expanded) {
        event.preventDefault(); // only close the list; a second Escape clears the field
        close();
      }
    } else if (event.key === "Tab") {
      close();
    }
  });

  // A click on an option must not blur the field first (which would close the list).
  listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
  listbox.addEventListener("click", function (event) {
    var option = event.target.closest('[role="option"]');
    if (option) choose(option);
  });
  input.addEventListener("blur", close);

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches('input[type="checkbox"]') || target.id === "search-sort") {
      form.submit();
    }
  });
})();

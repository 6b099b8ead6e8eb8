// Progressive enhancement for /nachnutzen/<id>/: ticks survive a reload (localStorage, keyed by
// project), a "Drucken" button and a reset. Without JavaScript the page is a plain printable list.
(function () {
  "use strict";
  var root = document.querySelector("[data-storage-key]");
  if (!root) return;
  var key = root.getAttribute("data-storage-key");
  var boxes = Array.prototype.slice.call(root.querySelectorAll('.checklist input[type="checkbox"]'));
  var note = root.querySelector(".js-storage-note");
  var printButton = root.querySelector(".js-print");
  var resetButton = root.querySelector(".js-reset");

  var storage = null;
  try {
    storage = window.localStorage;
    var probe = key + ":probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
  } catch (error) {
    storage = null;
  }

  function load() {
    if (!storage) return {};
    try {
      var saved = JSON.parse(storage.getItem(key) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch (error) {
      return {};
    }
  }

  function save() {
    if (!storage) return;
    var ticked = {};
    boxes.forEach(function (box) {
      if (box.checked) ticked[box.value] = true;
    });
    try {
      if (Object.keys(ticked).length) {
        storage.setItem(key, JSON.stringify(ticked));
      } else {
        storage.removeItem(key);
      }
    } catch (error) {
      /* storage full or blocked: the ticks just are not remembered */
    }
  }

  function countText() {
    var done = boxes.filter(function (box) { return box.checked; }).length;
    return done + " von " + boxes.length + " Punkten abgehakt.";
  }

  var saved = load();
  boxes.forEach(function (box) {
    box.checked = saved[box.value] === true;
  });

  if (note) {
    note.textContent = storage
      ? "Ihre Häkchen werden nur in diesem Browser gespeichert, nicht auf der Plattform. " + countText()
      : "Ihr Browser erlaubt kein Speichern: Die Häkchen gehen beim Neuladen verloren.";
  }

  root.addEventListener("change", function (event) {
    if (!event.target.matches('.checklist input[type="checkbox"]')) return;
    save();
    if (note && storage) {
      note.textContent = "Gespeichert in diesem Browser. " + countText();
    }
  });

  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () {
      window.print();
    });
  }

  if (resetButton && storage) {
    resetButton.hidden = false;
    resetButton.addEventListener("click", function () {
      boxes.forEach(function (box) {
        box.checked = false;
      });
      save();
      if (note) note.textContent = "Alle Häkchen entfernt. " + countText();
    });
  }
})();

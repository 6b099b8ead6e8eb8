/*
 * Accessible names for two editor widgets Wagtail leaves unnamed (see docs/accessibility.md):
 *
 * - Draftail rich-text editors: the editable area (role="textbox") has no name, while the
 *   field's <label for> points at the hidden input that carries the JSON. The textbox gets
 *   aria-labelledby to that label.
 * - Tag fields: jQuery tag-it replaces the labelled input with a new, unlabelled text input.
 *   The new input gets aria-labelledby to the original field's label.
 *
 * Both widgets are built by JavaScript, also later (new StreamField blocks, inline panels, tabs),
 * so a MutationObserver names every new one. Loaded on every admin page through Wagtail's
 * insert_global_admin_js hook (cms/projects/wagtail_hooks.py); a file, because the admin's
 * Content-Security-Policy allows no inline scripts.
 */
(function () {
  "use strict";

  var counter = 0;

  function labelIdFor(input) {
    if (!input || !input.id) {
      return null;
    }
    var label = document.querySelector('label[for="' + CSS.escape(input.id) + '"]');
    if (!label || !label.textContent.trim()) {
      return null;
    }
    if (!label.id) {
      counter += 1;
      label.id = "a11y-label-" + counter;
    }
    return label.id;
  }

  function isNamed(element) {
    if (element.getAttribute("aria-label")) {
      return true;
    }
    var ids = (element.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    return ids.some(function (id) {
      var label = document.getElementById(id);
      return label && label.textContent.trim();
    });
  }

  function draftailInput(textbox) {
    // The hidden input holding the editor's JSON sits next to the editor, in the same field.
    var field = textbox.closest("[data-field-input], [data-contentpath]");
    return field ? field.querySelector("input[data-draftail-input]") : null;
  }

  function blockHeadingId(textbox) {
    // A rich-text block straight inside a StreamField has no label of its own: the block's
    // heading ("Absatz") names it, as it names the block's section.
    var section = textbox.closest("section[aria-labelledby]");
    return section ? section.getAttribute("aria-labelledby") : null;
  }

  function nameEditors(root) {
    root.querySelectorAll('.Draftail-Editor [role="textbox"]').forEach(function (textbox) {
      if (isNamed(textbox)) {
        return;
      }
      var labelId = labelIdFor(draftailInput(textbox)) || blockHeadingId(textbox);
      if (labelId) {
        textbox.setAttribute("aria-labelledby", labelId);
      }
    });
  }

  function nameTagInputs(root) {
    root.querySelectorAll("ul.tagit input[type=text]").forEach(function (input) {
      if (isNamed(input)) {
        return;
      }
      var list = input.closest("ul.tagit");
      var original = list ? list.previousElementSibling : null;
      while (original && original.tagName !== "INPUT") {
        original = original.previousElementSibling;
      }
      var labelId = labelIdFor(original);
      if (labelId) {
        input.setAttribute("aria-labelledby", labelId);
      }
    });
  }

  function nameAll(root) {
    nameEditors(root);
    nameTagInputs(root);
  }

  function start() {
    var scheduled = false;
    nameAll(document);
    // Typing in an editor adds nodes too: one pass per animation frame is plenty.
    new MutationObserver(function () {
      if (scheduled) {
        return;
      }
      scheduled = true;
      window.requestAnimationFrame(function () {
        scheduled = false;
        nameAll(document);
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

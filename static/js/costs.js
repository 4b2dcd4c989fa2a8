// Cost pages: show the tariff fields of the chosen kind, and add time-of-use window rows.
(function () {
  "use strict";

  function syncKind(root) {
    const select = root.querySelector("[data-tariff-kind]");
    if (!select) return;
    root.querySelectorAll("[data-kind-only]").forEach(function (el) {
      el.hidden = el.getAttribute("data-kind-only") !== select.value;
    });
  }

  function addWindow(button) {
    const form = button.closest("form");
    const total = form.querySelector("input[name$='-TOTAL_FORMS']");
    const template = form.querySelector("#window-template");
    const rows = form.querySelector("[data-window-rows]");
    if (!total || !template || !rows) return;
    const index = parseInt(total.value, 10) || 0;
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    const first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (first) first.focus();
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-tariff-kind]")) syncKind(event.target.closest("form") || document);
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-add-window]");
    if (button) addWindow(button);
  });
  document.addEventListener("DOMContentLoaded", function () { syncKind(document); });
  document.addEventListener("htmx:afterSwap", function (event) { syncKind(event.target); });
})();

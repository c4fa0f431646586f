// Setup › Integrations: the rows' Uninstall links open one shared dialog, pointed at the
// row's integration. Without script the links open the uninstall page instead.
"use strict";
(function () {
  function pointDialog(dialog, link) {
    const form = dialog.querySelector("form[data-uninstall-form]");
    const linked = Number(link.dataset.linked || 0);
    const fieldset = form.querySelector("[data-uninstall-linked]");
    form.reset();
    form.action = link.dataset.action;
    form.querySelector("[data-uninstall-name]").textContent = link.dataset.name;
    form.querySelector("[data-uninstall-count]").textContent = String(linked);
    // Hidden and disabled together: its required radios must not block a childless uninstall.
    fieldset.hidden = linked === 0;
    fieldset.disabled = linked === 0;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const dialog = document.getElementById("uninstall-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    document.querySelectorAll("a[data-uninstall]").forEach((link) => {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        pointDialog(dialog, link);
        dialog.showModal();
        dialog.querySelector("textarea")?.focus();
      });
    });
  });
})();

// The integration page: add and remove discovery profile rule rows in place (without
// scripts the same buttons post the form and the server does it).
"use strict";
(function () {
  function renumber(body) {
    body.querySelectorAll("tr[data-rule]").forEach((row, index) => {
      const number = index + 1;
      row.querySelectorAll("[aria-label]").forEach((element) => {
        element.setAttribute("aria-label", element.getAttribute("aria-label").replace(/^(Remove rule|Rule) \d*/, `$1 ${number}`));
      });
    });
  }

  function editor(form) {
    const body = form.querySelector("tbody[data-rules]");
    const template = form.querySelector("template[data-rule-template]");
    let next = body.querySelectorAll("tr[data-rule]").length;

    form.querySelector("button[data-add-rule]").addEventListener("click", (event) => {
      event.preventDefault();
      const row = template.content.firstElementChild.cloneNode(true);
      const index = `n${next++}`; // unique ids; the server reads rows by position
      row.querySelectorAll("[id]").forEach((element) => { element.id = element.id.replace("__index__", index); });
      body.appendChild(row);
      renumber(body);
      row.querySelector("select").focus();
    });

    body.addEventListener("click", (event) => {
      const button = event.target.closest("button.remove-rule");
      if (!button) { return; }
      event.preventDefault();
      const row = button.closest("tr");
      const neighbour = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(body);
      (neighbour?.querySelector("button.remove-rule") || form.querySelector("button[data-add-rule]")).focus();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-profile-editor]").forEach(editor);
    // After a refused save, take the user to what needs fixing.
    const refused = document.querySelector(".profile-editor [role=alert] a");
    if (refused) { refused.focus(); }
  });
})();

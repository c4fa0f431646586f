// Tether console: a little plain JavaScript for the live parts; pages work without it.
"use strict";
(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // fetch() with the session's CSRF token; a lost session reloads to the login page.
  async function request(url, options = {}) {
    const headers = Object.assign({ "X-CSRF-Token": csrf(), "X-Tether-Fetch": "1" }, options.headers || {});
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options, { headers }));
    if (response.status === 401) { window.location.reload(); }
    return response;
  }

  // <select data-autosubmit> submits its form when changed (the client picker).
  function autosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach((select) => {
      select.addEventListener("change", () => select.form.submit());
    });
  }

  // <div data-poll="/url" data-every="1000">: replaced by the url's HTML until it answers
  // with data-done on its root element.
  function poll(root) {
    root.querySelectorAll("[data-poll]").forEach((element) => {
      const every = Number(element.dataset.every || 1000);
      const tick = async () => {
        const response = await request(element.dataset.poll);
        if (!response.ok) { return; }
        element.innerHTML = await response.text();
        const inner = element.firstElementChild;
        if (inner && inner.hasAttribute("data-done")) {
          if (element.dataset.reloadWhenDone !== undefined) { window.location.reload(); }
          return;
        }
        window.setTimeout(tick, every);
      };
      window.setTimeout(tick, every);
    });
  }

  // <button data-dialog="id"> opens <dialog id="id">; [data-close] inside closes it.
  function dialogs(root) {
    root.querySelectorAll("[data-dialog]").forEach((button) => {
      button.addEventListener("click", () => document.getElementById(button.dataset.dialog)?.showModal());
    });
    root.querySelectorAll("dialog [data-close]").forEach((button) => {
      button.addEventListener("click", () => button.closest("dialog").close());
    });
  }

  window.tether = { request, csrf };
  document.addEventListener("DOMContentLoaded", () => {
    autosubmit(document);
    poll(document);
    dialogs(document);
  });
})();

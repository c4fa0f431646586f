// Install AWS Integration: the fields of the chosen AWSType, the AWS set-up kept in step with
// what is typed, and the validation steps shown as the server streams them.
"use strict";
(function () {
  // What the set-up documents depend on; never the keys.
  const SETUP_FIELDS = ["AWSType", "AccountNumber", "AssumeRoleARN", "ExternalId",
    "installAllLinkedAccounts", "memberRoleName", "includeOrganizationalUnits"];

  function enableCopy(root) {
    root.querySelectorAll("button[data-copy]").forEach((button) => {
      if (!navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", async () => {
        const source = document.getElementById(button.dataset.copy);
        await navigator.clipboard.writeText(source.textContent);
        button.textContent = "Copied";
        window.setTimeout(() => { button.textContent = "Copy"; }, 1500);
      });
    });
  }

  function showTypeFields(form) {
    const type = form.elements.AWSType.value;
    form.querySelectorAll("fieldset[data-types]").forEach((fieldset) => {
      const active = fieldset.dataset.types.split("|").includes(type);
      fieldset.toggleAttribute("data-inactive", !active);
      fieldset.disabled = !active; // not submitted, and skipped by the keyboard
    });
    const linked = document.getElementById("linked-options");
    linked.toggleAttribute("data-inactive", !form.elements.installAllLinkedAccounts.checked);
  }

  function setupUpdater(form, setup) {
    let timer = null;
    let generation = 0;
    async function refresh() {
      const mine = ++generation;
      const url = new URL(setup.dataset.setupUrl, window.location.origin);
      SETUP_FIELDS.forEach((name) => {
        const field = form.elements[name];
        if (!field) { return; }
        if (field.type === "checkbox") {
          if (field.checked) { url.searchParams.set(name, "on"); }
        } else {
          url.searchParams.set(name, field.value);
        }
      });
      setup.setAttribute("aria-busy", "true");
      const response = await tether.request(url.pathname + url.search);
      if (!response.ok || mine !== generation) { return; }
      const wasOpen = {};
      setup.querySelectorAll("details[id]").forEach((item) => { wasOpen[item.id] = item.open; });
      setup.innerHTML = await response.text();
      setup.querySelectorAll("details[id]").forEach((item) => {
        if (item.id in wasOpen) { item.open = wasOpen[item.id]; }
      });
      enableCopy(setup);
      setup.removeAttribute("aria-busy");
    }
    return (delay) => {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, delay);
    };
  }

  function errorsOf(form) {
    return {
      clear() {
        form.querySelectorAll(".field-error").forEach((item) => { item.hidden = true; item.textContent = ""; });
        form.querySelectorAll("[aria-invalid]").forEach((item) => item.removeAttribute("aria-invalid"));
      },
      mark(name, message) {
        const field = form.elements[name];
        const shown = document.getElementById(name + "-error");
        if (!field || !shown || field instanceof RadioNodeList) { return null; }
        shown.textContent = message;
        shown.hidden = false;
        field.setAttribute("aria-invalid", "true");
        const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (!described.includes(shown.id)) { field.setAttribute("aria-describedby", described.concat(shown.id).join(" ")); }
        return field;
      },
    };
  }

  function installer(form) {
    const progress = document.getElementById("install-progress");
    const steps = document.getElementById("install-steps");
    const outcome = document.getElementById("install-outcome");
    const running = document.getElementById("install-running");
    const button = document.getElementById("install-button");
    const errors = errorsOf(form);

    let installed = false;

    function finish(node) {
      if (node.dataset.result !== "failed") {
        // Installed: the secret leaves the page, and a second click cannot install twice.
        installed = true;
        form.elements.SecurityKey.value = "";
        node.querySelector("a")?.focus();
        return;
      }
      form.elements.SecurityKey.value = ""; // as after a plain post: type it again
      let first = null;
      node.querySelectorAll("[data-field]").forEach((item) => {
        first = first || errors.mark(item.dataset.field, item.dataset.message);
      });
      if (first) { first.focus(); }
    }

    function append(html) {
      const template = document.createElement("template");
      template.innerHTML = html.trim();
      const node = template.content.firstElementChild;
      if (!node) { return; }
      if (node.tagName === "LI") {
        steps.appendChild(node);
      } else {
        outcome.replaceChildren(node);
        finish(node);
      }
    }

    function refused(status) {
      const alert = document.createElement("div");
      alert.className = "alert error";
      alert.setAttribute("role", "alert");
      alert.textContent = status === 403
        ? "Not allowed (403): your session may have changed. Reload the page and try again."
        : `The install could not run (HTTP ${status}). Nothing was stored.`;
      outcome.replaceChildren(alert);
    }

    async function read(response) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) { break; }
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf("\n");
        while (end >= 0) {
          append(buffer.slice(0, end));
          buffer = buffer.slice(end + 1);
          end = buffer.indexOf("\n");
        }
      }
      buffer += decoder.decode();
      if (buffer.trim()) { append(buffer); }
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      errors.clear();
      progress.hidden = false;
      steps.replaceChildren();
      outcome.replaceChildren();
      running.hidden = false;
      button.disabled = true;
      button.textContent = "Installing…";
      progress.scrollIntoView({ behavior: "smooth", block: "nearest" });
      try {
        const response = await tether.request(form.action, {
          method: "POST",
          body: new URLSearchParams(new FormData(form)),
        });
        if (!response.ok && response.status !== 400) {
          refused(response.status);
        } else {
          await read(response);
        }
      } catch (error) {
        refused("network error");
      } finally {
        running.hidden = true;
        button.disabled = installed;
        button.textContent = installed ? "Installed" : "Install";
      }
    });
  }

  // A multi-select hides most of its choices: say which are selected.
  function showSelectedRegions(form) {
    const chosen = Array.from(form.elements.Regions.selectedOptions, (option) => option.value);
    document.getElementById("Regions-selected").textContent =
      "Selected: " + (chosen.includes("All") ? "All" : chosen.join(", ") || "none");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const setup = document.getElementById("aws-setup");
    enableCopy(setup);
    const form = document.getElementById("install-form");
    if (!form) { return; }
    const refreshSetup = setupUpdater(form, setup);
    showTypeFields(form);
    form.addEventListener("input", (event) => {
      if (SETUP_FIELDS.includes(event.target.name)) { refreshSetup(400); }
    });
    form.addEventListener("change", (event) => {
      if (event.target.name === "Regions") { showSelectedRegions(form); }
      if (event.target.name === "AWSType" || event.target.name === "installAllLinkedAccounts") {
        showTypeFields(form);
      }
      if (SETUP_FIELDS.includes(event.target.name)) { refreshSetup(0); }
    });
    const generate = document.getElementById("generate-external-id");
    generate.hidden = false;
    generate.addEventListener("click", async () => {
      const response = await tether.request(generate.dataset.url);
      if (!response.ok) { return; }
      form.elements.ExternalId.value = (await response.json()).externalId;
      refreshSetup(0);
    });
    installer(form);
  });
})();

// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function cellValue(row, index, numeric) {
    var cell = row.children[index];
    var text = cell ? (cell.getAttribute("data-value") || cell.textContent.trim()) : "";
    if (numeric) { var n = parseFloat(text.replace(/[^0-9.\-]/g, "")); return isNaN(n) ? -Infinity : n; }
    return text.toLowerCase();
  }

  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th[data-sort]");
    headers.forEach(function (th) {
      // A real button in the heading: reachable with Tab, pressed with Enter or Space; aria-sort says the order.
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var index = Array.prototype.indexOf.call(th.parentNode.children, th);
        var numeric = th.getAttribute("data-sort") === "number";
        var ascending = !th.classList.contains("sorted-asc");
        headers.forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); h.setAttribute("aria-sort", "none"); });
        th.classList.add(ascending ? "sorted-asc" : "sorted-desc");
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function makeFilterable(table) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "table-filter";
    input.placeholder = "Filter these rows…";
    input.setAttribute("aria-label", "Filter table rows");
    table.parentNode.insertBefore(input, table);
    input.addEventListener("input", function () {
      var needle = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  }

  // Search results: a number shows its document in the preview pane (ctrl/cmd-click still opens the page).
  function showPreview(id) {
    document.querySelectorAll(".hit-preview").forEach(function (pane) { pane.hidden = pane.id !== id; });
    document.querySelectorAll("tr[data-preview]").forEach(function (row) {
      row.classList.toggle("selected", row.getAttribute("data-preview") === id);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Dates are typed as they are shown everywhere in PatentDesk (2026-03-31), not in the browser's locale order.
    document.querySelectorAll("input[type=date]:not([data-native])").forEach(function (input) {
      input.type = "text";
      input.inputMode = "numeric";
      input.autocomplete = "off";
      input.placeholder = "YYYY-MM-DD";
      input.pattern = "\\d{4}-\\d{2}-\\d{2}";
      input.title = "A date written as year-month-day, e.g. 2026-03-31";
      input.classList.add("iso-date");
    });
    document.querySelectorAll("a[data-preview-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey) { return; }
        event.preventDefault();
        showPreview(link.getAttribute("data-preview-link"));
      });
    });
    document.querySelectorAll("table.data-table").forEach(makeSortable);
    document.querySelectorAll("table[data-filterable]").forEach(makeFilterable);
    // A long select becomes searchable: typing narrows its options (the select still works without this).
    document.querySelectorAll("select[data-searchable]").forEach(function (select) {
      var input = document.createElement("input");
      input.type = "search";
      input.className = "select-search";
      input.id = select.id + "-search";
      input.setAttribute("aria-label", select.getAttribute("data-searchable") || "Search the options");
      input.setAttribute("aria-controls", select.id);
      input.placeholder = "Type to find…";
      input.autocomplete = "off";
      select.parentNode.insertBefore(input, select);
      var status = document.createElement("p");
      status.className = "help";
      status.setAttribute("aria-live", "polite");
      select.parentNode.insertBefore(status, select.nextSibling);
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        var first = null, shown = 0;
        Array.prototype.forEach.call(select.options, function (option) {
          var text = option.text.toLowerCase();
          var match = !option.value || option.value === "0" || words.every(function (w) { return text.indexOf(w) !== -1; });
          option.hidden = !match;
          if (match && option.value && option.value !== "0") { shown += 1; if (!first) { first = option; } }
        });
        if (first && words.length) { select.value = first.value; }
        status.textContent = words.length ? (shown === 1 ? "1 matter matches." : shown + " matters match.") : "";
      });
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { if (select.value) { select.form.submit(); } });
    });
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // Office data: filling in a figure an entry needs ticks that entry.
    document.querySelectorAll("tr[data-pick-row]").forEach(function (row) {
      var box = row.querySelector("input[name=pick]");
      row.querySelectorAll("[data-ask]").forEach(function (input) {
        input.addEventListener("change", function () { if (box && input.value) { box.checked = true; } });
      });
    });
    // Event form: show only the parameters the chosen event takes.
    document.querySelectorAll("select[data-event-select]").forEach(function (select) {
      function sync() {
        document.querySelectorAll(".param[data-events]").forEach(function (box) {
          var events = box.getAttribute("data-events").split(" ");
          box.hidden = !select.value || events.indexOf(select.value) === -1;
        });
      }
      var fieldset = document.querySelector("fieldset.params");
      select.addEventListener("change", sync);
      select.addEventListener("change", function () {
        if (fieldset) { fieldset.hidden = !document.querySelector(".param[data-events]:not([hidden])"); }
      });
      sync();
    });
    // Job progress: poll a JSON status URL and reload when the job is done.
    document.querySelectorAll("[data-job-status]").forEach(function (box) {
      var url = box.getAttribute("data-job-status");
      function poll() {
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (job) {
          var bar = box.querySelector("progress");
          if (bar && job.total) { bar.max = job.total; bar.value = job.done; }
          var label = box.querySelector("[data-job-label]");
          if (label) { label.textContent = job.message || job.status; }
          if (job.status === "finished" || job.status === "failed") { window.location.reload(); }
          else { window.setTimeout(poll, 1500); }
        }).catch(function () { window.setTimeout(poll, 5000); });
      }
      poll();
    });
    // Security keys (WebAuthn): the browser talks to the key; the server checks every answer.
    function toBytes(text) {
      var padded = text.replace(/-/g, "+").replace(/_/g, "/");
      while (padded.length % 4) { padded += "="; }
      return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
    }
    function toText(buffer) {
      var bytes = new Uint8Array(buffer), binary = "";
      for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
      return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
    function credentialJson(credential) {
      var response = {}, r = credential.response;
      ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"].forEach(function (k) {
        if (r[k]) { response[k] = toText(r[k]); }
      });
      return JSON.stringify({ id: credential.id, rawId: toText(credential.rawId), type: credential.type,
                              response: response, clientExtensionResults: {} });
    }
    function post(url, csrf, body) {
      return fetch(url, { method: "POST", credentials: "same-origin", body: body ? JSON.stringify(body) : "{}",
                          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } })
        .then(function (r) { return r.json().then(function (data) {
          if (!r.ok) { throw new Error(data.error || data.detail || "The server refused the key."); }
          return data;
        }); });
    }
    function ceremony(el, create, extra) {
      var error = el.parentNode.querySelector("[data-webauthn-error]") || el.querySelector("[data-webauthn-error]");
      var csrf = el.getAttribute("data-csrf");
      if (!window.PublicKeyCredential) { error.textContent = "This browser cannot use security keys."; error.hidden = false; return; }
      post(el.getAttribute("data-options"), csrf).then(function (options) {
        options.challenge = toBytes(options.challenge);
        if (options.user) { options.user.id = toBytes(options.user.id); }
        (options.excludeCredentials || options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
        return create ? navigator.credentials.create({ publicKey: options }) : navigator.credentials.get({ publicKey: options });
      }).then(function (credential) {
        var body = extra || {};
        body.credential = credentialJson(credential);
        return post(el.getAttribute("data-finish"), csrf, body);
      }).then(function (done) { window.location.assign(done.redirect); })
        .catch(function (problem) { error.textContent = problem.message; error.hidden = false; });
    }
    document.querySelectorAll("[data-webauthn-register]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        ceremony(form, true, { name: form.querySelector("[name=name]").value });
      });
    });
    document.querySelectorAll("[data-webauthn-sign-in]").forEach(function (button) {
      button.addEventListener("click", function () { ceremony(button, false); });
    });
  });
})();

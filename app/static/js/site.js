// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen readers announce it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();

  // Character counts for long fields.
  document.querySelectorAll("[data-count]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-count"), 10);
    var out = document.createElement("p");
    out.className = "counter";
    out.id = field.id + "-count";
    out.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", out);
    var update = function () {
      var left = max - field.value.length;
      out.textContent = left >= 0
        ? left.toLocaleString("en-GB") + " characters left"
        : (-left).toLocaleString("en-GB") + " characters too many";
      out.classList.toggle("counter--over", left < 0);
    };
    field.addEventListener("input", update);
    update();
  });

  // One submission per click: show progress and stop a double submit.
  document.querySelectorAll("form[data-prevent-double-submit]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "true";
      var clicked = event.submitter;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
        if (button === clicked && button.dataset.busyText) button.textContent = button.dataset.busyText;
      });
      form.setAttribute("aria-busy", "true");
    });
  });
  // Coming back with the browser's back button restores a usable form.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[aria-disabled]").forEach(function (b) { b.removeAttribute("aria-disabled"); });
    });
  });

  // Copy-link buttons.
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) status.textContent = "Link copied.";
      }, function () {
        input.select();
        if (status) status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link.";
      });
      var hook = button.getAttribute("data-copy-ping");
      if (hook && navigator.sendBeacon) navigator.sendBeacon(hook);
    });
  });
})();

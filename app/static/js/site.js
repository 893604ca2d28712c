// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // The page's words for what this script writes (app/web/i18n.py), in its language.
  var strings = JSON.parse(document.body.getAttribute("data-strings") || "{}");
  var lang = document.documentElement.lang || "en-GB";
  var say = function (key, values) {
    return (strings[key] || "").replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  };

  // Move focus to the error summary so screen readers announce it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();

  // A line under a field that screen readers announce as it changes.
  var liveNote = function (field, suffix, className) {
    var out = document.createElement("p");
    out.className = className;
    out.id = field.id + "-" + suffix;
    out.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", out);
    return out;
  };

  // Character counts for long fields.
  document.querySelectorAll("textarea[data-count], input[data-count]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-count"), 10);
    var out = liveNote(field, "count", "counter");
    var update = function () {
      var left = max - field.value.length;
      out.textContent = left >= 0
        ? say("charactersLeft", { n: left.toLocaleString(lang) })
        : say("charactersOver", { n: (-left).toLocaleString(lang) });
      out.classList.toggle("counter--over", left < 0);
    };
    field.addEventListener("input", update);
    update();
  });

  // How much of the letter is in the writer's own words, live while they
  // type: the rules of app/letters/own_words.py (four-word runs shared with
  // the suggested letter are the campaign's words), so the figure is the
  // one the site checks on sending. own-words.js is built from the widget's
  // module (widget/src/ownwords.js): one script measures for both.
  var ownPercent = window.ownWords.ownPercent;
  document.querySelectorAll("[data-own-words-template]").forEach(function (field) {
    var names = JSON.parse(field.getAttribute("data-own-words-names") || "[]");
    var minimum = parseInt(field.getAttribute("data-own-words-minimum") || "0", 10);
    var sender = document.getElementById("name");
    var out = liveNote(field, "own-words", "counter own-words");
    var update = function () {
      var name = sender ? sender.value.trim() : "";
      var template = field.getAttribute("data-own-words-template")
        .split("{constituent_name}").join(name || "{constituent_name}");
      var percent = ownPercent(field.value, template, names.concat([name]));
      out.textContent = say("ownWords", { percent: percent + "%" }) +
        (minimum ? " " + say("ownWordsMinimum", { percent: minimum + "%" }) : "");
      out.classList.toggle("counter--over", percent < minimum);
    };
    field.addEventListener("input", update);
    if (sender) sender.addEventListener("input", update);
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

  // Print buttons (a letter to post): shown only where they can work.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Copy-link buttons.
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) status.textContent = say("copied", {});
      }, function () {
        input.select();
        if (status) status.textContent = say("copyByHand", {});
      });
      var hook = button.getAttribute("data-copy-ping");
      if (hook && navigator.sendBeacon) navigator.sendBeacon(hook);
    });
  });
})();

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
  // one the site checks on sending.
  var WORD = /[a-z0-9]+(?:'[a-z]+)?/g;
  var words = function (text, names) {
    text = text.toLowerCase();
    names.filter(Boolean).forEach(function (name, i) {
      text = text.split(name.toLowerCase()).join(" name" + i + " ");
    });
    return text.replace(/\u2019/g, "'").match(WORD) || [];
  };
  var ownPercent = function (body, template, names) {
    var runs = {};
    var t = words(template, names);
    for (var i = 0; i + 4 <= t.length; i++) runs[t.slice(i, i + 4).join(" ")] = true;
    var tokens = words(body, names);
    if (!tokens.length) return 0;
    if (tokens.length < 4) return 100;
    var covered = tokens.map(function () { return false; });
    for (var j = 0; j + 4 <= tokens.length; j++) {
      if (runs[tokens.slice(j, j + 4).join(" ")]) {
        for (var k = j; k < j + 4; k++) covered[k] = true;
      }
    }
    var own = covered.filter(function (c) { return !c; }).length;
    return Math.floor((100 * own) / tokens.length + 0.5);
  };
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

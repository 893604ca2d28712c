// Admin enhancements; every page works without them.
(function () {
  "use strict";

  // The coverage map: show the hovered or focused constituency in words.
  var detail = document.querySelector("[data-map-detail]");
  if (detail) {
    var show = function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute("data-hex")) {
        detail.textContent = event.target.getAttribute("aria-label");
      }
    };
    var map = document.querySelector("[data-hexmap]");
    map.addEventListener("mouseover", show);
    map.addEventListener("focusin", show);
  }

  // An alert being sent: refresh its progress bar and counts every 2 seconds.
  var progress = document.querySelector("[data-alert-progress]");
  if (progress) {
    var bar = progress.querySelector("[data-progress-bar]");
    var counts = progress.querySelector("[data-progress-counts]");
    var poll = function () {
      fetch(progress.getAttribute("data-alert-progress"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          bar.max = p.total || 1;
          bar.value = p.done;
          counts.textContent = p.done.toLocaleString("en-GB") + " of " + p.total.toLocaleString("en-GB") +
            " done: " + p.sent.toLocaleString("en-GB") + " sent, " + p.failed.toLocaleString("en-GB") +
            " bounced, " + p.cancelled.toLocaleString("en-GB") + " not sent.";
          ["sent", "failed", "clicked", "letters"].forEach(function (key) {
            var el = progress.querySelector('[data-stat="' + key + '"]');
            if (el) el.textContent = p[key].toLocaleString("en-GB");
          });
          if (p.sending) setTimeout(poll, 2000);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 2000);
  }

  // The campaign editor's live preview: re-render on the server as they type.
  var form = document.querySelector("[data-live-preview]");
  var panel = document.querySelector("[data-preview]");
  if (form && panel) {
    var timer = null;
    var refresh = function () {
      var fields = new FormData(form);
      fields.delete("image"); // the preview needs the words, not the picture
      fetch(form.getAttribute("data-live-preview"), {
        method: "POST",
        body: fields,
        credentials: "same-origin",
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html !== null) panel.innerHTML = html;
      }).catch(function () { /* the Preview button still works */ });
    };
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
  }
})();

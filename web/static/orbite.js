// Live results while typing: fetch the same page URL (partial header), swap the parts marked
// data-live, keep the address bar in sync. Without this file the page works as a plain form.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.getElementById("search-form");
  var results = document.getElementById("results");
  if (!form || !results || !window.fetch || !window.URLSearchParams || !window.DOMParser) {
    return;
  }
  var input = form.querySelector('input[name="q"]');
  var DELAY_MS = 250;
  var timer = null;
  var controller = null;

  function targetUrl() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (String(value).trim() !== "") {
        params.append(name, value);
      }
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function apply(html, url) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    fresh.querySelectorAll("[data-live]").forEach(function (part) {
      var current = document.getElementById(part.id);
      if (current && current.innerHTML !== part.innerHTML) {
        current.innerHTML = part.innerHTML;
      }
    });
    var meta = fresh.getElementById("results");
    if (meta) {
      document.title = meta.getAttribute("data-title") || document.title;
      var feed = document.getElementById("feed-link");
      if (feed && meta.getAttribute("data-feed")) {
        feed.setAttribute("href", meta.getAttribute("data-feed"));
      }
    }
    window.history.replaceState(null, "", url);
  }

  function refresh() {
    var url = targetUrl();
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url, {
      headers: { "X-Orbite-Partial": "1" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        apply(html, url);
      })
      .catch(function () {
        // Aborted by a newer keystroke, or offline: the form still works by submitting.
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  }

  if (input) {
    input.addEventListener("input", schedule);
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.form === form && event.target.name === "sort") {
      window.clearTimeout(timer);
      refresh();
    }
  });
})();

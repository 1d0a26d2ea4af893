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

// Suggestions while typing: the search box is an ARIA 1.2 combobox whose listbox popup offers
// /api/suggest's words, agencies and missions. Arrow keys move through them, Enter chooses,
// Escape closes; a polite live region says how many there are. A word is searched; an agency
// or a mission opens its page. Without this script the box is a plain search field.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var listbox = document.getElementById("q-suggestions");
  var status = document.getElementById("q-suggestions-status");
  if (!input || !listbox || !status || !window.fetch) {
    return;
  }
  var KINDS = { word: "", agency: "agence", mission: "mission" };
  var DELAY_MS = 120;
  var suggestions = [];
  var active = -1;
  var timer = null;
  var controller = null;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);

  function options() {
    return listbox.querySelectorAll('[role="option"]');
  }

  function isOpen() {
    return !listbox.hidden;
  }

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function open() {
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(index) {
    var all = options();
    active = index;
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    input.setAttribute("aria-activedescendant", all[index].id);
    all[index].scrollIntoView({ block: "nearest" });
  }

  function announce(count) {
    status.textContent =
      count === 0
        ? ""
        : count === 1
          ? "1 suggestion, flèches haut et bas pour la choisir."
          : count + " suggestions, flèches haut et bas pour choisir.";
  }

  function option(suggestion, index) {
    var item = document.createElement("li");
    item.id = listbox.id + "-" + index;
    item.className = "suggestion suggestion-" + suggestion.kind;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    var text = document.createElement("span");
    text.className = "suggestion-text";
    text.textContent = suggestion.text;
    item.appendChild(text);
    if (KINDS[suggestion.kind]) {
      var kind = document.createElement("span");
      kind.className = "suggestion-kind";
      kind.textContent = KINDS[suggestion.kind];
      var comma = document.createElement("span");
      comma.className = "visually-hidden";
      comma.textContent = ", ";
      item.appendChild(comma);
      item.appendChild(kind);
    }
    // Keep the focus in the box while a pointer chooses.
    item.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    item.addEventListener("click", function () {
      choose(index);
    });
    return item;
  }

  function show(list) {
    suggestions = list;
    listbox.textContent = "";
    list.forEach(function (suggestion, index) {
      listbox.appendChild(option(suggestion, index));
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    announce(list.length);
    if (list.length && document.activeElement === input) {
      open();
    } else {
      close();
    }
  }

  function fetchSuggestions() {
    var typed = input.value;
    if (controller) {
      controller.abort();
    }
    if (typed.trim() === "") {
      show([]);
      return;
    }
    controller = window.AbortController ? new AbortController() : null;
    var url = listbox.getAttribute("data-url") + "?q=" + encodeURIComponent(typed);
    fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (data) {
        if (input.value === typed) {
          show(data.suggestions || []);
        }
      })
      .catch(function () {
        // Aborted by a newer keystroke, or offline: no suggestions, the box still searches.
      });
  }

  function choose(index) {
    var suggestion = suggestions[index];
    if (!suggestion) {
      return;
    }
    close();
    if (suggestion.kind === "word") {
      input.value = suggestion.text;
      if (input.form.requestSubmit) {
        input.form.requestSubmit();
      } else {
        input.form.submit();
      }
      return;
    }
    var base = listbox.getAttribute("data-" + suggestion.kind + "-url");
    window.location.assign(base + encodeURIComponent(suggestion.text));
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, DELAY_MS);
  });

  input.addEventListener("keydown", function (event) {
    var count = options().length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) {
        return;
      }
      event.preventDefault();
      if (!isOpen()) {
        open();
      }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var start = active < 0 ? (step > 0 ? -1 : count) : active;
      highlight((start + step + count) % count);
    } else if (event.key === "Enter") {
      if (isOpen() && active >= 0) {
        event.preventDefault();
        choose(active);
      } else {
        close();
      }
    } else if (event.key === "Escape") {
      if (isOpen()) {
        event.preventDefault(); // a search field would also clear its text
        close();
      }
    } else if (event.key === "Tab") {
      close();
    }
  });

  input.addEventListener("blur", close);
})();

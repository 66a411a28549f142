/* Waypost: small enhancements written for this site. Every page works without this file.
   - My list: kept in localStorage, with a cookie copy so that pages drawn by the server show the same list
     (the forms post to /list/add and /list/remove when this file does not run, and the server keeps the cookie);
   - "Use my location" on the search form (rounded to about a kilometre before it leaves the phone);
   - copy the share link, print, and open the filters on wide screens. */
(function () {
  "use strict";

  var KEY = "waypost.list";
  var COOKIE = "waypost_list";
  var MAX = 50;
  var ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  function each(selector, action) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), action);
  }

  function announce(message) {
    var region = document.querySelector("[data-announce]");
    if (!region || !message) return;
    region.textContent = "";
    // A fresh text node after a tick makes screen readers speak the same message twice in a row.
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  function valid(ids) {
    return ids.filter(function (id, index) { return ID.test(id) && ids.indexOf(id) === index; }).slice(0, MAX);
  }

  function fromCookie() {
    var match = document.cookie.match(/(?:^|;\s*)waypost_list=([^;]*)/);
    return match && match[1] ? valid(match[1].split(".")) : [];
  }

  function fromStorage() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(KEY));
      return Array.isArray(stored) ? valid(stored) : null;
    } catch (error) {
      return null;
    }
  }

  function save(ids) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(ids));
    } catch (error) {
      /* Private browsing may refuse storage: the cookie still keeps the list for this visit. */
    }
    document.cookie = COOKIE + "=" + ids.join(".") + "; path=/; max-age=31536000; samesite=lax";
  }

  // The browser's storage wins; a list saved without JavaScript (only in the cookie) is taken into it.
  var list = fromStorage();
  if (list === null) list = fromCookie();
  save(list);

  function show() {
    each("[data-saved-count]", function (element) { element.textContent = String(list.length); });
    each("form[data-save]", function (form) {
      var saved = list.indexOf(form.elements.service_id.value) >= 0;
      form.action = saved ? "/list/remove" : "/list/add";
      var label = form.querySelector("[data-label]");
      if (label) label.textContent = saved ? form.getAttribute("data-remove") : form.getAttribute("data-add");
    });
  }
  show();

  // The list page was drawn from the cookie; if the browser's list differs (cleared cookies), draw it again.
  var page = document.body.getAttribute("data-page");
  if (page === "my-list" && document.body.getAttribute("data-list") !== list.join(".") &&
      fromCookie().join(".") === list.join(".")) {
    window.location.reload();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-save")) return;
    event.preventDefault();
    var id = form.elements.service_id.value;
    var at = list.indexOf(id);
    if (at >= 0) {
      list.splice(at, 1);
    } else if (list.length >= MAX) {
      announce(form.getAttribute("data-full"));
      return;
    } else {
      list.push(id);
    }
    save(list);
    show();
    announce(form.getAttribute(at >= 0 ? "data-removed" : "data-added"));
    // On the list page the addresses, the share link and its QR code depend on the list: draw them again.
    if (form.hasAttribute("data-reload")) window.location.reload();
  });

  // "Use my location": only where the browser can tell; the ZIP box stays the way that always works.
  each("[data-locate]", function (button) {
    var form = button.form;
    var status = form.querySelector("[data-locate-status]");
    if (!navigator.geolocation) return;
    button.hidden = false;
    form.elements.near.addEventListener("input", function () {
      form.elements.lat.value = "";
      form.elements.lon.value = "";
    });
    button.addEventListener("click", function () {
      status.textContent = button.getAttribute("data-finding");
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(2);
        form.elements.lon.value = position.coords.longitude.toFixed(2);
        form.elements.near.value = "";
        status.textContent = button.getAttribute("data-found");
      }, function () {
        status.textContent = button.getAttribute("data-failed");
      }, { maximumAge: 600000, timeout: 15000 });
    });
  });

  each("[data-copy]", function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        announce(button.getAttribute("data-copied"));
      }, function () {
        field.select();
      });
    });
  });

  each("[data-print]", function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Filters start folded on phones, where they would push the results down, and open on wide screens.
  if (window.matchMedia && window.matchMedia("(min-width: 48em)").matches) {
    each("details[data-wide-open]", function (details) { details.open = true; });
  }
})();

// Progressive enhancement for /karte/: the map itself. Without JavaScript, and before the
// visitor chooses "Karte laden", the page shows the same projects as a list.
//
// Privacy by default: Leaflet, the cluster plugin and the project data come from this site;
// the map tiles are the one request to another server, so nothing is loaded (not even the
// libraries) until the visitor clicks "Karte laden". The choice lasts for this browser tab.
(function () {
  "use strict";
  var container = document.getElementById("project-map");
  var loadButton = document.getElementById("map-load");
  var unloadButton = document.getElementById("map-unload");
  var status = document.getElementById("map-status");
  var form = document.getElementById("map-form");
  if (!container || !loadButton || !unloadButton) return;

  var CONSENT_KEY = "smartcity-karte-kacheln";
  var GERMANY = [[47.2, 5.8], [55.1, 15.1]];
  var map = null;
  var loading = false;

  // Filters apply themselves, as on the search page; the button does the same without JavaScript.
  if (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches('input[type="checkbox"]')) form.submit();
    });
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function remember(on) {
    try {
      if (on) window.sessionStorage.setItem(CONSENT_KEY, "1");
      else window.sessionStorage.removeItem(CONSENT_KEY);
    } catch (e) { /* storage disabled: the visitor clicks again next time */ }
  }

  function remembered() {
    try {
      return window.sessionStorage.getItem(CONSENT_KEY) === "1";
    } catch (e) {
      return false;
    }
  }

  function loadCss(href) {
    return new Promise(function (resolve, reject) {
      if (document.querySelector('link[data-map-css="' + href + '"]')) return resolve();
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      link.setAttribute("data-map-css", href);
      link.onload = function () { resolve(); };
      link.onerror = function () { reject(new Error("CSS " + href)); };
      document.head.appendChild(link);
    });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var existing = document.querySelector('script[data-map-js="' + src + '"]');
      if (existing) {
        if (existing.getAttribute("data-loaded")) return resolve();
        existing.addEventListener("load", function () { resolve(); });
        existing.addEventListener("error", function () { reject(new Error("JS " + src)); });
        return;
      }
      var script = document.createElement("script");
      script.src = src;
      script.setAttribute("data-map-js", src);
      script.onload = function () { script.setAttribute("data-loaded", "1"); resolve(); };
      script.onerror = function () { reject(new Error("JS " + src)); };
      document.head.appendChild(script);
    });
  }

  function libraries() {
    var d = container.dataset;
    return Promise.all([loadCss(d.leafletCss), loadCss(d.clusterCss), loadCss(d.clusterDefaultCss)])
      .then(function () { return loadScript(d.leafletJs); })
      .then(function () { return loadScript(d.clusterJs); });
  }

  function projects(n) {
    return n === 1 ? "1 Projekt" : n + " Projekte";
  }

  function icon(count, label, extraClass) {
    var size = count < 10 ? 34 : count < 100 ? 40 : 46;
    var html = document.createElement("span");
    var number = document.createElement("span");
    number.setAttribute("aria-hidden", "true");
    number.textContent = String(count);
    var text = document.createElement("span");
    text.className = "visually-hidden";
    text.textContent = label;
    html.appendChild(number);
    html.appendChild(text);
    return window.L.divIcon({
      html: html.innerHTML,
      className: "map-marker " + extraClass,
      iconSize: [size, size],
    });
  }

  function popupContent(place) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var heading = document.createElement("p");
    heading.className = "map-popup__title";
    heading.textContent = place.name;
    box.appendChild(heading);
    var meta = document.createElement("p");
    meta.className = "map-popup__meta";
    meta.textContent = projects(place.projects.length) + (place.size_class_label ? " · " + place.size_class_label : "");
    box.appendChild(meta);
    var list = document.createElement("ul");
    place.projects.forEach(function (project) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = project.url;
      link.textContent = project.title;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function draw(data) {
    var L = window.L;
    var d = container.dataset;
    container.hidden = false;
    map = L.map(container, { zoomControl: false, scrollWheelZoom: false, minZoom: 4, maxZoom: 18 });
    L.control.zoom({ zoomInTitle: "Vergrößern", zoomOutTitle: "Verkleinern" }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
    // The site's policy is "same-origin"; OpenStreetMap's tile policy requires a Referer, so
    // the tile server gets the site's origin, never the page's path.
    L.tileLayer(d.tileUrl, {
      attribution: d.tileAttribution,
      maxZoom: 19,
      referrerPolicy: "strict-origin-when-cross-origin",
    }).addTo(map);

    var clusters = L.markerClusterGroup({
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      maxClusterRadius: 50,
      iconCreateFunction: function (cluster) {
        var children = cluster.getAllChildMarkers();
        var count = 0;
        children.forEach(function (m) { count += m.options.projectCount || 0; });
        var label = projects(count) + " in " + children.length + " Kommunen, zum Vergrößern auswählen";
        return icon(count, label, "map-marker--cluster");
      },
    });
    var bounds = [];
    data.municipalities.forEach(function (place) {
      var count = place.projects.length;
      var marker = L.marker([place.lat, place.lon], {
        icon: icon(count, place.name + ": " + projects(count), "map-marker--place"),
        projectCount: count,
        riseOnHover: true,
      });
      marker.bindPopup(popupContent(place), { maxWidth: 320, autoPanPaddingTopLeft: [60, 20] });
      clusters.addLayer(marker);
      bounds.push([place.lat, place.lon]);
    });
    map.addLayer(clusters);
    map.on("popupopen", function (event) {
      var element = event.popup.getElement();
      var close = element && element.querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", "Hinweisfenster schließen");
      // Opened from the keyboard: move focus into the popup, and back to the marker when it closes.
      var active = document.activeElement;
      var fromKeyboard = active && active.classList.contains("map-marker") && active.matches(":focus-visible");
      event.popup._openedFromKeyboard = fromKeyboard;
      var first = element && element.querySelector(".map-popup a");
      if (fromKeyboard && first) first.focus();
      if (element && !element._escapeCloses) {
        element._escapeCloses = true;
        element.addEventListener("keydown", function (e) {
          if (e.key === "Escape") {
            e.preventDefault();
            map.closePopup();
          }
        });
      }
    });
    map.on("popupclose", function (event) {
      var source = event.popup._source;
      var element = event.popup.getElement();
      var focusInside = element && element.contains(document.activeElement);
      if ((event.popup._openedFromKeyboard || focusInside) && source && source.getElement && source.getElement()) {
        source.getElement().focus();
      }
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 10 });
    else map.fitBounds(GERMANY);

    loadButton.hidden = true;
    unloadButton.hidden = false;
    var places = data.municipalities.length;
    say("Karte geladen: " + projects(data.total) + " in " + places + (places === 1 ? " Kommune." : " Kommunen."));
  }

  function start() {
    if (loading || map) return;
    loading = true;
    loadButton.disabled = true;
    say("Karte wird geladen …");
    libraries()
      .then(function () {
        return fetch(container.dataset.apiUrl, { headers: { Accept: "application/json" } });
      })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        remember(true);
        draw(data);
      })
      .catch(function () {
        container.hidden = true;
        say("Die Karte konnte nicht geladen werden. Die Liste unten enthält alle Projekte.");
      })
      .then(function () {
        loading = false;
        loadButton.disabled = false;
      });
  }

  function stop() {
    remember(false);
    if (map) {
      map.remove();
      map = null;
    }
    container.hidden = true;
    container.replaceChildren();
    unloadButton.hidden = true;
    loadButton.hidden = false;
    loadButton.focus();
    say("Karte ausgeschaltet. Es werden keine Kartenkacheln mehr geladen.");
  }

  loadButton.hidden = false;
  loadButton.addEventListener("click", start);
  unloadButton.addEventListener("click", stop);
  if (remembered()) start();
})();

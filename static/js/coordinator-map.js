/* Coordinator map (templates/coordinate/map.html): Leaflet from static/vendor/leaflet,
 * data from the page's <script type="application/json" id="map-data"> block.
 * Without JavaScript, or when Leaflet is missing, the page keeps its SVG plot and the
 * density table. When the tile server cannot be reached the map drops the tiles, says so,
 * and keeps every marker and density cell on a plain background. */
(function () {
  "use strict";

  function start() {
    var canvas = document.getElementById("map-canvas");
    var source = document.getElementById("map-data");
    if (!canvas || !source || !window.L) {
      return; // no Leaflet (static/vendor not installed?): the SVG plot stays
    }
    var data = JSON.parse(source.textContent);
    var note = document.getElementById("map-tiles-note");
    var fallback = document.querySelector(".map-static");

    canvas.hidden = false;
    canvas.setAttribute("role", "region");
    canvas.setAttribute("aria-label", data.words.map);
    if (fallback) {
      fallback.classList.add("is-replaced"); // an <svg> has no .hidden: CSS hides it
    }

    var map = L.map(canvas, { scrollWheelZoom: false, zoomSnap: 0.25 });
    map.fitBounds(data.bounds);
    map.attributionControl.setPrefix(false);

    var tiles = L.tileLayer(data.tiles.url, {
      attribution: data.tiles.attribution,
      maxZoom: 19,
      crossOrigin: false
    });
    var loadedAny = false;
    var failed = false;
    function giveUp() {
      if (failed || loadedAny) {
        return;
      }
      failed = true;
      map.removeLayer(tiles);
      canvas.classList.add("map-no-tiles");
      canvas.dataset.tiles = "failed";
      if (note) {
        note.hidden = false;
      }
    }
    tiles.on("tileload", function () {
      loadedAny = true;
      canvas.dataset.tiles = "loaded";
    });
    tiles.on("tileerror", giveUp);
    tiles.addTo(map);
    // A tile host that swallows requests never errors: give it ten seconds.
    window.setTimeout(giveUp, 10000);

    L.circle([data.area.lat, data.area.lng], {
      radius: data.area.radius_m,
      className: "map-area-outline",
      fill: false,
      interactive: false
    }).addTo(map);

    data.cells.forEach(function (cell) {
      var share = data.most_offers ? cell.offers / data.most_offers : 0;
      L.rectangle(cell.bounds, {
        className: cell.needs > cell.offers ? "map-cell map-cell-gap" : "map-cell",
        fillOpacity: cell.offers ? 0.15 + 0.45 * share : 0,
        weight: cell.needs > cell.offers ? 2 : 0
      })
        .bindTooltip(cell.label)
        .addTo(map);
    });

    data.needs.forEach(function (need) {
      var link = document.createElement("a");
      link.href = need.url;
      link.textContent = need.label;
      var popup = document.createElement("p");
      popup.appendChild(link);
      var marker = L.marker([need.lat, need.lng], {
        title: need.label,
        alt: need.label,
        riseOnHover: true,
        icon: L.divIcon({ className: "map-pin", iconSize: [16, 16], html: "" })
      })
        .bindPopup(popup)
        .addTo(map);
      marker.getElement().dataset.latlng = need.lat + "," + need.lng;
    });
    canvas.dataset.ready = String(data.needs.length);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

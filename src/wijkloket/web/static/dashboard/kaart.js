// The interactive map of /dashboard/kaart: where JavaScript runs, a plotly choroplethmap of the chosen
// indicator (data from kaart.json; white background, no tiles, nothing from another host). Without
// JavaScript, or when anything fails, the page keeps the report's map as an image.
(function () {
  "use strict";
  function show() {
    var box = document.getElementById("wl-interactive-map");
    var plot = document.getElementById("wl-plot");
    if (!box || !plot || typeof window.Plotly === "undefined") { return; }
    fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (fig) {
        box.hidden = false;
        return window.Plotly.newPlot(plot, fig.data, fig.layout, fig.config);
      })
      .catch(function () { box.hidden = true; });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", show); } else { show(); }
}());

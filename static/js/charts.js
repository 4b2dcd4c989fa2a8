/* EnergyHome charts: draws plotly figures built on the server (analytics/charts.py).
 *
 * An element with data-figure="<id of a json_script>" gets the figure drawn into it. Colours
 * come from the CSS variables, so the same figure reads well in light and dark mode: traces
 * with meta "consumption" / "solar" / "battery" / "grid" take those colours, others a palette.
 * window.EnergyCharts.extendLive(point) moves the dashboard's 24-hour chart along.
 */
(function () {
  "use strict";

  var ROLE_VARS = { consumption: "--use", solar: "--solar", battery: "--battery", grid: "--grid" };
  var PALETTE = ["#0f9d76", "#3b6fd1", "#d99a00", "#7c4dcc", "#e4572e", "#17a2b8", "#c2185b", "#6d8b1f",
                 "#8d6e63", "#5c6bc0", "#f06292", "#26a69a", "#ff8f00", "#78909c", "#ab47bc", "#9ccc65"];
  var DAY_MS = 24 * 3600 * 1000;
  var LIVE_RESOLUTION_MS = 30 * 1000;

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function themed(figure) {
    var text = css("--text"), muted = css("--muted"), border = css("--border");
    var layout = Object.assign({}, figure.layout || {});
    delete layout.template;
    layout.font = Object.assign({}, layout.font || {}, { color: text });
    ["xaxis", "yaxis"].forEach(function (axis) {
      layout[axis] = Object.assign({}, layout[axis] || {}, {
        gridcolor: border, linecolor: border, zerolinecolor: muted, tickfont: { color: muted },
      });
      if (layout[axis].title) {
        layout[axis].title = Object.assign({}, layout[axis].title, { font: { color: muted, size: 12 } });
      }
    });
    layout.hoverlabel = { bgcolor: css("--surface"), bordercolor: border, font: { color: text } };
    layout.legend = Object.assign({}, layout.legend || {}, { font: { color: text } });
    layout.autosize = true;
    var data = (figure.data || []).map(function (trace, index) {
      var colour = (trace.meta && ROLE_VARS[trace.meta] && css(ROLE_VARS[trace.meta])) || PALETTE[index % PALETTE.length];
      var copy = Object.assign({}, trace);
      copy.marker = Object.assign({}, trace.marker || {}, { color: colour });
      if (copy.type === "scatter") {
        copy.line = Object.assign({}, trace.line || {}, { color: colour });
        if (copy.fill) { copy.fillcolor = colour + "22"; }
      }
      return copy;
    });
    return { data: data, layout: layout };
  }

  function render(el) {
    if (!window.Plotly) { return; }
    var source = document.getElementById(el.dataset.figure);
    if (!source) { return; }
    var figure = el._energyFigure || JSON.parse(source.textContent);
    el._energyFigure = figure;
    var drawn = themed(figure);
    window.Plotly.react(el, drawn.data, drawn.layout, {
      responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
    });
    el.dataset.rendered = "true";
  }

  function renderAll(root) {
    (root || document).querySelectorAll("[data-figure]").forEach(render);
  }

  function parseLocal(value) {
    return new Date(value).getTime();  // local wall-clock strings, parsed alike on both sides
  }

  /* Append the newest balance point to the live chart, one point per 30 s (the last one is
   * replaced in between), and drop what has scrolled out of the 24-hour window. */
  function extendLive(point) {
    var el = document.querySelector("[data-live-chart]");
    if (!el || !el._energyFigure || !point.time) { return; }
    var now = parseLocal(point.time);
    el._energyFigure.data.forEach(function (trace) {
      var value = point[trace.meta];
      if (value === undefined || value === null || value === "") { return; }
      var x = trace.x = Array.from(trace.x || []), y = trace.y = Array.from(trace.y || []);
      var lastX = x.length ? parseLocal(x[x.length - 1]) : -Infinity;
      if (now <= lastX && trace._live) { return; }
      if (trace._live && now - trace._liveStart < LIVE_RESOLUTION_MS) {
        x[x.length - 1] = point.time; y[y.length - 1] = Number(value);
      } else {
        x.push(point.time); y.push(Number(value)); trace._liveStart = now;
      }
      trace._live = true;
      while (x.length && parseLocal(x[0]) < now - DAY_MS) { x.shift(); y.shift(); }
    });
    render(el);
  }

  window.EnergyCharts = { render: render, renderAll: renderAll, extendLive: extendLive };

  renderAll(document);
  document.addEventListener("htmx:load", function (event) { renderAll(event.detail.elt); });
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () { renderAll(document); });
  }
})();

/* EnergyHome live page behaviour.
 *
 * - The status pill (#live-status) follows the htmx websocket extension's events: connecting,
 *   live, reconnecting (the extension reconnects by itself with backoff).
 * - After each pushed message the hidden #live-point carries the newest balance; the 24-hour
 *   chart is extended with it (charts.js).
 * - Tiles whose last reading is older than 10 minutes are marked offline without a reload.
 * - [data-copy="<selector>"] buttons copy that element's text.
 */
(function () {
  "use strict";

  var OFFLINE_AFTER_MS = 10 * 60 * 1000;
  var lastPointTime = null;

  function setStatus(state, label) {
    var pill = document.getElementById("live-status");
    if (!pill) { return; }
    pill.dataset.state = state;
    var text = pill.querySelector(".live-label");
    if (text) { text.textContent = label; }
  }

  document.addEventListener("htmx:wsConnecting", function () { setStatus("connecting", "Connecting…"); });
  document.addEventListener("htmx:wsOpen", function () { setStatus("live", "Live"); });
  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail && event.detail.event ? event.detail.event.code : 0;
    if (code === 4403) { setStatus("offline", "Not allowed"); return; }
    setStatus("offline", "Connection lost · reconnecting");
  });
  document.addEventListener("htmx:wsError", function () { setStatus("offline", "Connection lost · reconnecting"); });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var point = document.getElementById("live-point");
    if (!point || !point.dataset.time || point.dataset.time === lastPointTime) { return; }
    lastPointTime = point.dataset.time;
    if (window.EnergyCharts) { window.EnergyCharts.extendLive(Object.assign({}, point.dataset)); }
  });

  function markOffline() {
    var now = Date.now();
    document.querySelectorAll("[data-last-seen]").forEach(function (el) {
      var seen = Date.parse(el.dataset.lastSeen);
      if (!isNaN(seen) && now - seen > OFFLINE_AFTER_MS) { el.classList.add("is-offline"); }
    });
  }
  setInterval(markOffline, 30 * 1000);

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.dataset.copy);
    if (!source || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var before = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = before; }, 1500);
    });
  });
})();

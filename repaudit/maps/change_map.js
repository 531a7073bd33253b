/* repaudit simulator change map: school circles coloured by the change in FSM share, popups, catchment
   outlines and the title. The data come from the page's JSON element; names reach the page only as text. */
function repauditChangeMap(map) {
  "use strict";
  var data = JSON.parse(document.getElementById("repaudit-change-data").textContent);
  function el(tag, text, parent, style) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (style) node.style.cssText = style;
    if (parent) parent.appendChild(node);
    return node;
  }
  data.catchments.forEach(function (c) {
    L.geoJSON(c.geometry, { style: { color: "#555", weight: 1, fillOpacity: 0.03 } })
      .bindTooltip(el("span", c.name), { sticky: true }).addTo(map);
  });
  data.schools.forEach(function (s) {
    var marker = L.circleMarker([s.lat, s.lon], { radius: s.radius, color: "#333", weight: 1, fill: true,
      fillColor: s.colour, fillOpacity: 0.9 }).addTo(map);
    marker.bindTooltip(el("span", s.name + ": " + s.change + " FSM"));
    var box = el("div");
    box.className = "repaudit-change-popup";
    el("b", s.name, box);
    box.appendChild(document.createTextNode(" (URN " + s.urn + ", PAN " + s.pan + ")"));
    s.lines.forEach(function (line) { el("br", null, box); box.appendChild(document.createTextNode(line)); });
    marker.bindPopup(box, { maxWidth: 360 });
  });
  var legend = el("div", null, null, "position:fixed;top:10px;left:50px;z-index:9999;background:white;" +
    "padding:6px 10px;border:1px solid #999;font:13px sans-serif");
  legend.className = "repaudit-change-legend";
  el("b", data.title, legend);
  el("br", null, legend);
  [["#1e64ff", " FSM share rises "], ["#ff2828", " falls "], ["#9e9e9e", " within 1 pp"]].forEach(function (k) {
    el("span", "\u25CF", legend, "color:" + k[0]);
    legend.appendChild(document.createTextNode(k[1]));
  });
  document.body.appendChild(legend);
}

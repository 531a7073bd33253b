/* repaudit simulator change map: school circles coloured by the change in FSM share (a stepped diverging scale),
   school names as labels that never overlap, popups, catchment outlines, the title, caveat and legend, and the
   per-school table beside the map. The data come from the page's JSON element; names reach the page only as text. */
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
  var labels = [];
  data.schools.forEach(function (s) {
    var marker = L.circleMarker([s.lat, s.lon], { radius: s.radius, color: "#333", weight: 1, fill: true,
      fillColor: s.colour, fillOpacity: 0.9 }).addTo(map);
    marker.bindTooltip(el("span", s.name + ": " + s.change), { permanent: true, direction: "right",
      className: "repaudit-change-label", offset: [s.radius, 0] });
    labels.push(marker);
    var box = el("div");
    box.className = "repaudit-change-popup";
    el("b", s.name, box);
    box.appendChild(document.createTextNode(" (URN " + s.urn + ", PAN " + s.pan + ")"));
    s.lines.forEach(function (line) { el("br", null, box); box.appendChild(document.createTextNode(line)); });
    marker.bindPopup(box, { maxWidth: 360 });
  });
  /* Labels are kept largest change first; one that would overlap a label already kept is hidden. */
  function declutter() {
    var kept = [];
    labels.forEach(function (marker) {
      var node = marker.getTooltip() && marker.getTooltip().getElement();
      if (!node) return;
      node.style.visibility = "visible";
      var r = node.getBoundingClientRect();
      var clash = kept.some(function (k) {
        return r.left < k.right && k.left < r.right && r.top < k.bottom && k.top < r.bottom;
      });
      if (clash) node.style.visibility = "hidden"; else kept.push(r);
    });
  }
  map.on("zoomend moveend", declutter);
  declutter();

  var legend = el("div", null, null, "position:fixed;top:10px;left:50px;z-index:9999;background:white;" +
    "padding:6px 10px;border:1px solid #999;font:13px sans-serif;max-width:420px");
  legend.className = "repaudit-change-legend";
  legend.setAttribute("role", "region");
  legend.setAttribute("aria-label", "Title and legend");
  el("b", data.title, legend);
  el("div", data.caveat, legend, "margin:4px 0;font-style:italic").className = "repaudit-change-caveat";
  el("div", "Change in FSM share of the Year 7 intake (" + data.intervals + "):", legend);
  data.legend.forEach(function (k) {
    var row = el("div", null, legend);
    el("span", "\u25CF", row, "color:" + k.colour + ";-webkit-text-stroke:1px #333;margin-right:4px");
    row.appendChild(document.createTextNode(k.label));
  });
  document.body.appendChild(legend);

  var panel = el("div", null, null, "position:fixed;top:10px;right:10px;bottom:10px;z-index:9999;overflow:auto;" +
    "width:38%;background:white;border:1px solid #999;font:12px sans-serif;padding:6px");
  panel.className = "repaudit-change-table";
  panel.setAttribute("tabindex", "0");
  panel.setAttribute("role", "region");
  panel.setAttribute("aria-label", "Change per school");
  var table = el("table", null, panel, "border-collapse:collapse");
  el("caption", "Per school, largest rise first", table, "text-align:left;font-weight:bold");
  var head = el("tr", null, el("thead", null, table));
  data.columns.forEach(function (c) { el("th", c, head, "text-align:left;padding:2px 4px;border-bottom:1px solid #999"); });
  var body = el("tbody", null, table);
  data.schools.forEach(function (s) {
    var tr = el("tr", null, body);
    tr.setAttribute("data-urn", s.urn);
    el("td", s.name, tr, "padding:2px 4px");
    s.cells.forEach(function (c) { el("td", c, tr, "padding:2px 4px;text-align:right"); });
  });
  document.body.appendChild(panel);
  map.getContainer().style.width = "60%";          /* the table stands beside the map, not over it */
  map.invalidateSize();
  declutter();
}

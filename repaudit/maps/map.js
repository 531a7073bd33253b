/* repaudit map: school layers, community layers, catchments, legend, trust filter, search and popups.
   Text that came from input files (school, trust, LA names) only ever reaches the page through
   textContent or a text node, never through innerHTML. */
(function () {
  "use strict";
  var R = (window.repaudit = window.repaudit || {});
  R.FLAGS = ["below_998", "below_95", "within", "above_95", "above_998"];
  R.FLAG_TEXT = {
    below_998: "below the 99.8% funnel limit (strong evidence of under-representation)",
    below_95: "below the 95% funnel limit",
    within: "within the funnel limits",
    above_95: "above the 95% funnel limit",
    above_998: "above the 99.8% funnel limit (strong evidence of over-representation)"
  };
  R.layers = {};
  R.community = {};
  R.current = null;
  R.trust = "";
  R.phase = "all";
  R.area = null;
  R.areaMode = false;

  function el(tag, className, text, parent) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (parent) parent.appendChild(node);
    return node;
  }
  R.el = el;

  // The arguments of every repaudit.* call, by element name: one JSON element put in the page after
  // folium rendered it (data never passes through a template), parsed once.
  R.data = function (name) {
    if (!R.store) R.store = JSON.parse(document.getElementById("repaudit-data").textContent);
    return R.store[name];
  };

  /* The page's data comes one array per field (repaudit.maps.features.packed): a column that is a plain value
     holds the one value of every row, {digits: "0120..."} one digit per row; numbers listed in `scale` travel
     as whole numbers, value * 10^scale. */
  function cell(column, k) {
    if (Array.isArray(column)) return column[k];
    return column !== null && typeof column === "object" ? +column.digits.charAt(k) : column;
  }
  function unscale(v, decimals) { return decimals && v !== null && v !== undefined ? v / Math.pow(10, decimals) : v; }

  function decodeSchools(table) {
    var out = [];
    for (var k = 0; k < table.count; k++) {
      var s = {};
      table.fields.forEach(function (field) {
        var v = cell(table.columns[field], k);
        var cats = table.categories[field];
        s[field] = cats ? (v ? cats[v - 1] : null) : unscale(v, table.scale[field]);
      });
      out.push(s);
    }
    return out;
  }

  /* One indicator's schools (features.indicator_columns) as GeoJSON point features at their schools'
     locations, with the properties i, n, s, c, g, r, z, h, hl, hh, mf, mr, gl, gh, rk, rl, rh, f and x. */
  R.features = function (data) {
    var hidden = {};
    data.suppressed.forEach(function (k) { hidden[k] = true; });
    var keys = Object.keys(data.columns);
    var features = [];
    for (var k = 0; k < data.count; k++) {
      var p = { i: data.i ? data.i[k] : k };
      keys.forEach(function (key) {
        var v = cell(data.columns[key], k);
        if (v !== null && v !== undefined) p[key] = unscale(v, data.scale[key]);
      });
      if (data.rank_is_order) p.rk = k + 1;
      if (hidden[k]) p.x = 1;
      var school = R.schools[p.i];
      features.push({ type: "Feature", properties: p,
                      geometry: { type: "Point", coordinates: [school.lon, school.lat] } });
    }
    return { type: "FeatureCollection", features: features };
  };

  function binOf(value, breaks) {
    var k = 0;
    for (var i = 0; i < breaks.length; i++) if (value >= breaks[i]) k++;
    return k;
  }
  R.gapColour = function (gap) {
    var p = R.config.palette;
    return gap === undefined || gap === null ? p.no_data : p.gap_colours[binOf(gap, p.gap_breaks)];
  };
  R.rateColour = function (rate, breaks) {
    var p = R.config.palette;
    return rate === undefined || rate === null ? p.no_data : p.rate_colours[binOf(rate, breaks)];
  };
  R.radius = function (pupils) {
    return pupils > 0 ? Math.max(3, Math.sqrt(pupils) / 3) : 3;
  };
  /* Circles shrink when zoomed out (a whole region or England on screen) so they do not hide each other. */
  R.zoomScale = function (zoom) {
    return Math.min(1, Math.max(0.3, (zoom - 5) / 7));
  };
  R.rescale = function () {
    var k = R.zoomScale(R.map.getZoom());
    Object.keys(R.layers).forEach(function (key) {
      R.layers[key].markers.forEach(function (m) {
        var p = m.feature.properties;
        var style = R.schoolStyle(p);
        m.setRadius(Math.max(1.5, style.radius * k));
        m.setStyle({ weight: style.weight ? Math.max(0.4, style.weight * Math.max(k, 0.5)) : 0 });
      });
    });
  };

  function pct(x) { return x === undefined || x === null ? "n/a" : (100 * x).toFixed(1) + "%"; }
  function num(x, d) { return x === undefined || x === null ? "n/a" : x.toFixed(d); }
  function signed(x, d) { return x === undefined || x === null ? "n/a" : (x > 0 ? "+" : "") + x.toFixed(d); }
  function cssToken(s) { return String(s).replace(/[^A-Za-z0-9_-]/g, "_"); }
  R.format = { pct: pct, num: num, signed: signed };

  R.setup = function (map, config) {
    R.map = map;
    R.config = config;
    R.schools = decodeSchools(config.schools);
    map.createPane("repaudit-community").style.zIndex = 350;
    map.createPane("repaudit-areas").style.zIndex = 360;
    map.createPane("repaudit-catchments").style.zIndex = 380;
    map.createPane("repaudit-schools").style.zIndex = 410;
    /* the opening view at once: a zoom still animating would undo a search made meanwhile */
    if (config.bounds) map.fitBounds(config.bounds, { padding: [20, 20], animate: false });
  };

  R.schoolStyle = function (p) {
    var flag = p.f === undefined ? null : R.FLAGS[p.f];
    var strong = flag === "below_998" || flag === "above_998";
    var flagged = flag !== null && flag !== "within";
    return {
      radius: R.radius(p.n), fillColor: R.gapColour(p.x ? null : p.g), fillOpacity: 0.85,
      color: strong ? "#000000" : flagged ? "#333333" : "#6f6f6f",
      weight: strong ? 3 : flagged ? 2 : 0, flagged: flagged
    };
  };

  R.schoolLayer = function (data, indicator) {
    var geojson = R.features(data);
    var markers = [];
    var layer = L.geoJSON(geojson, {
      pointToLayer: function (feature, latlng) {
        var style = R.schoolStyle(feature.properties);
        style.pane = "repaudit-schools";
        style.className = "repaudit-school indicator-" + cssToken(indicator) + " urn-" +
          cssToken(R.schools[feature.properties.i].urn) + (style.flagged ? " flagged" : "");
        var marker = L.circleMarker(latlng, style);
        marker.schoolIndex = feature.properties.i;
        markers.push(marker);
        return marker;
      }
    });
    layer.bindPopup(function (marker) { return R.popup(marker.feature.properties, indicator, layer); },
                    { maxWidth: 380, maxHeight: R.map ? Math.max(240, R.map.getSize().y - 60) : 480 });
    layer.repauditIndicator = indicator;
    R.layers[indicator] = { layer: layer, markers: markers, geojson: geojson };
    if (R.current === null) R.current = indicator;
    return layer;
  };

  function whole(x) { return (Math.round(x) + 0).toLocaleString("en-GB"); }     /* + 0: never "-0" */
  /* "352 fewer than a representative intake (95% range 330 to 374)": whole pupils, as repaudit.plain words it. */
  R.shortfallWords = function (h, lo, hi) {
    if (h === undefined || h === null) return "shortfall not available";
    var n = Math.round(h);
    var words = n > 0 ? whole(n) + " fewer than a representative intake" :
      n < 0 ? whole(-n) + " more than a representative intake" : "about as many as a representative intake";
    if (lo !== undefined && lo !== null && hi !== undefined && hi !== null) {
      var a = n < 0 ? -hi : lo, b = n < 0 ? -lo : hi;
      var low = Math.min(a, b), high = Math.max(a, b);
      if (Math.round(low) < 0 && Math.round(high) > 0) {      /* crosses zero: both ways in words, as repaudit.plain */
        words += " (95% range " + whole(-low) + (n >= 0 ? " more to " : " fewer to ") + whole(high) +
          (n >= 0 ? " fewer)" : " more)");
      } else {
        words += " (95% range " + whole(low) + " to " + whole(high) + ")";
      }
    }
    return words;
  };
  R.sentence = function (p, indicator) {
    var ind = R.config.indicators[indicator];
    if (p.x) return "Values for this school are " + R.config.suppressed_text + ".";
    if (p.s === undefined || p.c === undefined) return "Rates are not available for this school.";
    return pct(p.s) + " of pupils " + ind.phrase + ", against " + pct(p.c) + " in the community around it: " +
      R.shortfallWords(p.h, p.hl, p.hh) + ".";
  };
  R.flagWords = function (p) {
    if (p.x || p.f === undefined) return "";
    var w = R.config.flag_words[R.FLAGS[p.f]] || R.FLAG_TEXT[R.FLAGS[p.f]];
    return w.charAt(0).toUpperCase() + w.slice(1) + ".";
  };

  /* "Below its community under 4 of 5 ways of measuring it (gap -16.9 to -5.3 pp)", as repaudit.auditing.robustness words it. */
  R.modelsWords = function (p) {
    if (p.x || !p.mr) return "";
    var words = p.mr === 1 ? (p.mf ? "Below its community under the one way of measuring it the data allow" :
      "Not below its community under the one way of measuring it the data allow") :
      "Below its community under " + (p.mf ? p.mf : "none") + " of " + p.mr + " ways of measuring it";
    if (p.mr > 1 && p.gl !== undefined && p.gh !== undefined) words += " (gap " + signed(p.gl, 1) + " to " + signed(p.gh, 1) + " pp)";
    return words + ".";
  };

  /* An opened "Details" makes the popup taller upwards: pan the map so that its top stays on screen. */
  R.keepOnScreen = function (owner) {
    var popup = owner && owner.getPopup && owner.getPopup();
    var box = popup && popup.getElement();
    if (!box) return;
    var above = box.getBoundingClientRect().top - R.map.getContainer().getBoundingClientRect().top - 10;
    if (above < 0) R.map.panBy([0, above], { animate: false });
  };

  R.popup = function (p, indicator, owner) {
    var s = R.schools[p.i];
    var ind = R.config.indicators[indicator];
    var root = el("div", "repaudit-popup");
    el("div", "repaudit-popup-name", s.name, root);
    var page = (R.config.school_links || {})[String(s.urn)];
    if (page) {
      var link = el("a", "repaudit-popup-page", "The school's page", root);
      link.href = page;
    }
    el("p", "repaudit-popup-sentence", R.sentence(p, indicator), root).setAttribute("data-field", "sentence");
    var flag = R.flagWords(p);
    if (flag) el("p", "repaudit-popup-flag", flag, root).setAttribute("data-field", "flag_words");
    var models = R.modelsWords(p);
    if (models) el("p", "repaudit-popup-models", models, root).setAttribute("data-field", "models_words");
    var details = el("details", null, null, root);
    details.addEventListener("toggle", function () { if (details.open) R.keepOnScreen(owner); });
    el("summary", null, "Details", details);
    var table = el("table", null, null, details);
    function row(label, value, field) {
      var tr = el("tr", null, null, table);
      if (field) tr.setAttribute("data-field", field);
      el("th", null, label, tr);
      el("td", null, value, tr);
    }
    var hidden = R.config.suppressed_text;
    row("URN", s.urn, "urn");
    row("Local authority", s.la_name || "n/a", "la_name");
    row("Region", s.region || "n/a", "region");
    row("Trust", s.trust || "none (LA maintained or stand-alone)", "trust");
    row("Phase", s.phase || "n/a", "phase");
    row("Type", s.type || "n/a", "type");
    row("Selective / faith", (s.selective ? "selective" : "non-selective") + " / " + (s.faith ? "faith" : "no faith designation"), "selective_faith");
    row("Indicator", ind.label, "indicator");
    row("Pupils", p.n === undefined ? "n/a" : p.n, "pupils");
    row("School rate", p.x ? hidden : pct(p.s), "school_rate");
    row("Community rate", pct(p.c), "community_rate");
    row("Gap", p.x ? hidden : signed(p.g, 1) + " pp", "gap_pp");
    row("Ratio (school / community)", p.x ? hidden : num(p.r, 2), "ratio");
    row("z-score", p.x ? hidden : num(p.z, 2), "z");
    row("Funnel plot", p.x ? hidden : p.f === undefined ? "n/a" : R.FLAG_TEXT[R.FLAGS[p.f]], "flag");
    row("Shortfall (pupils)", p.x ? hidden : R.shortfallWords(p.h, p.hl, p.hh), "shortfall");
    if (!p.x && p.rl !== undefined && p.rh !== undefined)
      row("Rank (95% interval)", (p.rk === undefined ? "" : p.rk + " ") + "(" + p.rl + " to " + p.rh + ")", "rank_interval");
    row("Years pooled", s.years || "n/a", "years");
    row("Community model", R.config.community_model, "community_model");
    row("Data vintage", s.vintage || R.config.vintage || "n/a", "vintage");
    return root;
  };

  R.communityLayer = function (kind, geojson, key, indicator) {
    var breaks = (R.config.community.breaks[key] || []).slice(1, -1);
    var label = R.config.indicators[indicator].short;
    function tip(code, rate) {
      var box = el("div", null, (code ? "LSOA " + code + ": " : "") + "community " + label + " rate ");
      el("b", null, rate === undefined || rate === null ? "n/a (suppressed or missing)" : pct(rate), box);
      return box;
    }
    var layer;
    if (kind === "polygons") {
      layer = L.geoJSON(geojson, {
        pane: "repaudit-community",
        style: function (f) {
          return { fillColor: R.rateColour(f.properties[key], breaks), fillOpacity: 0.55, color: "#555555", weight: 0.4 };
        },
        onEachFeature: function (f, l) { l.bindTooltip(tip(f.properties.l, f.properties[key]), { sticky: true }); }
      });
    } else if (kind === "centroids") {
      layer = L.geoJSON(geojson, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { pane: "repaudit-community", radius: 6, stroke: false, fillOpacity: 0.7,
            fillColor: R.rateColour(f.properties[key], breaks) });
        },
        onEachFeature: function (f, l) { l.bindTooltip(tip(f.properties.l, f.properties[key])); }
      });
    } else {
      layer = L.layerGroup();
      var schools = R.layers[indicator] ? R.layers[indicator].geojson.features : [];
      schools.forEach(function (f) {
        var c = f.geometry.coordinates;
        L.circleMarker([c[1], c[0]], { pane: "repaudit-community", radius: 2.2 * R.radius(f.properties.n), stroke: false,
          fillOpacity: 0.45, interactive: false, fillColor: R.rateColour(f.properties.c, breaks) }).addTo(layer);
      });
    }
    layer.repauditIndicator = indicator;
    layer.repauditKey = key;
    (R.community[indicator] = R.community[indicator] || []).push(layer);
    return layer;
  };

  R.catchmentLayer = function (geojson) {
    return L.geoJSON(geojson, {
      pane: "repaudit-catchments",
      style: { color: "#1a1a1a", weight: 2, dashArray: "5 4", fill: false },
      onEachFeature: function (f, l) {
        l.bindTooltip(el("span", null, "Catchment of " + f.properties.n + " (URN " + f.properties.u + ")"), { sticky: true });
      }
    });
  };

  /* Schools shown: those of the chosen trust (R.trust) and phase (R.phase). */
  R.applyFilters = function () {
    var code = R.trust;
    Object.keys(R.layers).forEach(function (key) {
      var entry = R.layers[key];
      entry.layer.clearLayers();
      entry.markers.forEach(function (m) {
        var s = R.schools[m.schoolIndex];
        var key2 = s.trust_code || s.trust || "";
        var trustOk = code === "" || (code === "__none__" ? key2 === "" : key2 === code);
        var phaseOk = R.phase === "all" || String(s.phase || "").toLowerCase() === R.phase;
        if (trustOk && phaseOk) entry.layer.addLayer(m);
      });
    });
    if (R.area) R.area.setStyle(R.areaStyle);
    R.renderLegend();
  };
  R.filterTrust = function (code) {
    R.trust = code;
    R.applyFilters();
    if (R.trustSelect) R.trustSelect.value = code;
  };
  R.filterPhase = function (phase) {
    R.phase = phase;
    R.applyFilters();
    if (R.phaseSelect) R.phaseSelect.value = phase;
  };

  /* The local-authority layer of a national map, drawn below config.areas.zoom in place of the schools:
     coloured by the current indicator and phase's segregation net of chance (measure "net": D minus D under
     random allocation), or, without segregation figures, by the pupil-weighted gap (measure "gap"). */
  R.areaKey = function () { return R.current + "_" + R.phase; };
  R.areaValue = function (f) {
    return f.properties[(R.config.areas.measure === "net" ? "e_" : "") + R.areaKey()];
  };
  R.areaColour = function (value) {
    var cls = R.config.areas.classes[R.areaKey()];
    if (value === undefined || value === null || !cls) return R.config.palette.no_data;
    return cls.colours[binOf(value, cls.breaks)];
  };
  R.areaStyle = function (f) {
    return { fillColor: R.areaColour(R.areaValue(f)), fillOpacity: 0.8, color: "#ffffff", weight: 0.6 };
  };
  R.areaLayer = function (map, geojson) {
    var ind = function () { return R.config.indicators[R.current]; };
    R.area = L.geoJSON(geojson, {
      pane: "repaudit-areas", style: R.areaStyle,
      onEachFeature: function (f, l) {
        l.bindTooltip(function () {
          var gap = f.properties[R.areaKey()];
          var net = f.properties["e_" + R.areaKey()];
          var box = el("div", null, null);
          el("b", null, f.properties.a, box);
          if (net !== undefined) {
            var seg = el("div", null, ind().short + " segregation net of chance: ", box);
            el("b", null, net.toFixed(2), seg);
            el("span", null, f.properties["m_" + R.areaKey()] ? " (mostly chance)" :
              " (D minus D under random allocation)", seg);
          }
          el("div", null, gap === undefined ? "no audited schools" :
            "pupil-weighted " + ind().short + " gap of its schools: " + signed(gap, 1) + " pp", box);
          el("div", null, "click to zoom in", box);
          return box;
        }, { sticky: true });
        l.on("click", function () { map.fitBounds(l.getBounds()); if (map.getZoom() < R.config.areas.zoom) map.setZoom(R.config.areas.zoom); });
      }
    });
    return R.area;
  };
  R.zoomMode = function () {
    if (!R.area) return;
    var national = R.map.getZoom() < R.config.areas.zoom;
    var entry = R.layers[R.current];
    if (national) {
      if (!R.map.hasLayer(R.area)) R.map.addLayer(R.area);
      if (entry && R.map.hasLayer(entry.layer)) { R.map.removeLayer(entry.layer); R.schoolsHidden = true; }
    } else {
      if (R.map.hasLayer(R.area)) R.map.removeLayer(R.area);
      if (entry && R.schoolsHidden) { R.schoolsHidden = false; R.map.addLayer(entry.layer); }
    }
    R.areaMode = national;
    R.renderLegend();
  };

  R.find = function (query) {
    var q = String(query).trim().toLowerCase();
    if (q.length < 2 && !/^\d+$/.test(q)) return [];
    var entry = R.layers[R.current];
    if (!entry) return [];
    var out = [];
    for (var k = 0; k < entry.markers.length && out.length < 8; k++) {
      var s = R.schools[entry.markers[k].schoolIndex];
      if (String(s.urn).indexOf(q) === 0 || String(s.name).toLowerCase().indexOf(q) >= 0) out.push(entry.markers[k]);
    }
    return out;
  };

  R.show = function (marker) {
    var entry = R.layers[R.current];
    if (!entry.layer.hasLayer(marker)) { R.trust = ""; R.filterPhase("all"); if (R.trustSelect) R.trustSelect.value = ""; }
    /* One view change, not animated, so that nothing pending overrides it: zoomend (and with it the switch
       from the LA layer to the schools) happens before the popup opens. */
    R.map.setView(marker.getLatLng(), Math.max(R.map.getZoom(), R.config.search_zoom), { animate: false });
    if (R.zoomMode) R.zoomMode();
    marker.fire("click", { latlng: marker.getLatLng() }, true);
  };

  function searchBox(panel) {
    var box = el("div", "repaudit-search", null, panel);
    var input = el("input", null, null, box);
    input.type = "search";
    input.placeholder = "Find a school by name or URN";
    input.setAttribute("aria-label", "Find a school by name or URN");
    var list = el("ul", "repaudit-results", null, box);
    function refresh() {
      list.textContent = "";
      R.find(input.value).forEach(function (marker) {
        var s = R.schools[marker.schoolIndex];
        var item = el("li", null, null, list);
        var button = el("button", null, s.name + " (" + s.urn + ")", item);
        button.type = "button";
        button.addEventListener("click", function () { list.textContent = ""; R.show(marker); });
      });
    }
    input.addEventListener("input", refresh);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var hits = R.find(input.value);
        if (hits.length) { list.textContent = ""; R.show(hits[0]); }
      }
    });
    R.searchInput = input;
  }

  function trustFilter(panel) {
    var seen = {};
    var trusts = [];
    R.schools.forEach(function (s) {
      var key = s.trust_code || s.trust || "";
      if (key && !seen[key]) { seen[key] = 1; trusts.push([key, s.trust || key]); }
    });
    if (!trusts.length) return;
    trusts.sort(function (a, b) { return String(a[1]).localeCompare(String(b[1])); });
    var label = el("label", "repaudit-trust", "Trust ", panel);
    var select = el("select", null, null, label);
    el("option", null, "All schools", select).value = "";
    trusts.forEach(function (t) { el("option", null, t[1], select).value = t[0]; });
    el("option", null, "Not in a trust", select).value = "__none__";
    select.addEventListener("change", function () { R.filterTrust(select.value); });
    R.trustSelect = select;
  }

  function phaseFilter(panel) {
    var phases = R.config.phases || [];
    if (phases.length < 2) return;
    var label = el("label", "repaudit-phase", "Phase ", panel);
    var select = el("select", null, null, label);
    el("option", null, "All phases", select).value = "all";
    phases.forEach(function (p) { el("option", null, p.charAt(0).toUpperCase() + p.slice(1), select).value = p; });
    select.addEventListener("change", function () { R.filterPhase(select.value); });
    R.phaseSelect = select;
  }

  function swatch(parent, colour, text, outline, radius) {
    var row = el("div", "repaudit-key", null, parent);
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "18");
    var c = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    c.setAttribute("cx", "11");
    c.setAttribute("cy", "9");
    c.setAttribute("r", String(radius || 6));
    c.setAttribute("fill", colour);
    c.setAttribute("stroke", outline ? outline[0] : "#6f6f6f");
    c.setAttribute("stroke-width", outline ? String(outline[1]) : "0.7");
    svg.appendChild(c);
    row.appendChild(svg);
    el("span", null, text, row);
  }

  R.renderLegend = function () {
    var box = R.legendBox;
    if (!box) return;
    box.textContent = "";
    var cfg = R.config;
    var ind = cfg.indicators[R.current];
    el("div", "repaudit-legend-title", ind ? ind.label : "", box);
    if (R.areaMode) {
      var cls = cfg.areas.classes[R.areaKey()];
      var net = cfg.areas.measure === "net";
      var whose = (R.phase === "all" ? "" : R.phase + " ") + "schools";
      el("div", "repaudit-legend-sub", net ?
        "Local authorities: how sorted their " + whose + " are \u2014 segregation net of chance (D minus D under " +
        "random allocation: 0 = no more than chance; higher = more sorted" +
        (R.phase === "all" ? "; primary and secondary weighted by pupils" : "") + "), classes at quantiles" :
        "Local authorities: pupil-weighted gap of their " + whose + " (percentage points; classes at quantiles of " +
        "the authorities)", box);
      if (cls) cls.colours.forEach(function (c, k) { swatch(box, c, cls.labels[k] + (net ? "" : " pp"), ["#ffffff", 0], 7); });
      else el("div", "repaudit-legend-note", "no audited schools of this phase", box);
      el("div", "repaudit-legend-note", "Zoom in (or click an authority) to see its schools. " + cfg.areas.note, box);
    } else {
      el("div", "repaudit-legend-sub", "Gap: school rate minus community rate (percentage points)", box);
      cfg.palette.gap_legend.forEach(function (pair) { swatch(box, pair[0], pair[1] + " pp"); });
      swatch(box, cfg.palette.no_data, "suppressed or not available");
      el("div", "repaudit-legend-sub", "Outline: only flagged schools", box);
      swatch(box, "#ffffff", "outside the 99.8% limits", ["#000000", 3]);
      swatch(box, "#ffffff", "outside the 95% limits", ["#333333", 2]);
      el("div", "repaudit-legend-sub", "Circle size: number of pupils", box);
    }
    (R.community[R.current] || []).forEach(function (community) {
      if (!R.map.hasLayer(community)) return;
      var edges = cfg.community.breaks[community.repauditKey] || [];
      var phase = community.repauditKey !== R.current ? ", " + community.repauditKey.slice(R.current.length + 1) : "";
      el("div", "repaudit-legend-sub", "Community " + (ind ? ind.short : "") + " rate" + phase + " (" + cfg.community.label + ")", box);
      if (!edges.length) el("div", "repaudit-legend-note", "no community rates", box);
      for (var k = 0; k + 1 < edges.length; k++) {
        swatch(box, cfg.palette.rate_colours[k], pct(edges[k]) + " to " + pct(edges[k + 1]), ["#ffffff", 0]);
      }
    });
    var counts = ind ? ind.counts : null;
    if (counts) {
      var more = el("details", "repaudit-excluded", null, box);
      el("summary", null, counts.drawn + " schools audited; " + counts.excluded + " not audited (list)", more);
      Object.keys(counts.reasons).forEach(function (reason) {
        el("div", "repaudit-legend-note", counts.reasons[reason] + " " + reason, more);
      });
    }
  };

  R.controls = function (map) {
    var cfg = R.config;
    var Panel = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var panel = el("div", "repaudit-panel leaflet-bar");
        (cfg.banners || []).forEach(function (b) { el("div", "repaudit-banner " + cssToken(b.kind), b.text, panel); });
        el("div", "repaudit-title", cfg.title, panel);
        el("div", "repaudit-subtitle", cfg.subtitle, panel);
        searchBox(panel);
        phaseFilter(panel);
        trustFilter(panel);
        L.DomEvent.disableClickPropagation(panel);
        L.DomEvent.disableScrollPropagation(panel);
        return panel;
      }
    });
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", "repaudit-legend leaflet-bar");
        R.legendBox = box;
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Panel().addTo(map);
    new Legend().addTo(map);
    map.on("baselayerchange", function (e) {
      if (e.layer.repauditIndicator) {
        R.current = e.layer.repauditIndicator;
        var shown = false;
        Object.keys(R.community).forEach(function (key) {
          R.community[key].forEach(function (layer) {
            if (key !== R.current && map.hasLayer(layer)) { map.removeLayer(layer); shown = true; }
          });
        });
        if (shown && R.community[R.current]) map.addLayer(R.community[R.current][0]);
        if (R.searchInput) R.searchInput.dispatchEvent(new Event("input"));
        if (R.area) { R.area.setStyle(R.areaStyle); R.zoomMode(); }
        R.renderLegend();
      }
    });
    map.on("overlayadd overlayremove", R.renderLegend);
    map.on("zoomend", R.rescale);
    map.on("zoomend", R.zoomMode);
    R.rescale();
    R.zoomMode();
    R.renderLegend();
    R.ready = true;
  };
})();

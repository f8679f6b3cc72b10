/* unggulan map pages: layers, popups, legend, controls and the language switch.
 *
 * The page (built by app/maps with Folium) calls unggulan.init(map, config, bases) once.
 * Every label comes from I18N, so switching language redraws the controls and the next
 * popup or tooltip in the other language without reloading the page.
 * No network access is needed but for the area data of large extents (config.levels[x].url)
 * and the weights panel (config.api), both on the service that served the page.
 * A level too large even for that (config.levels[x].tiles) is drawn from the service's vector
 * tiles with Leaflet.VectorGrid: its palette and legend come from config.levels[x].legend,
 * a click fetches the area's candidates from the API for the same popup, and below the
 * level's minimum zoom the coarser level's tiles (config.levels[x].under) are drawn in the
 * level's palette. data-drawn-LEVEL on <html> says how many areas were drawn (GeoJSON: all;
 * tiles: those of the tiles in view), data-drawn-LEVEL-coarse the same for the coarser
 * tiles; `make bench` reads them.
 * The footer names the run (config.run: scenario, run hash, criteria without data); the
 * weights panel saves the sliders as a scenario (POST config.api/scenarios, with the write
 * key the planner types) and loads a saved one (the page reloads with ?scenario=ID).
 */
(function () {
  "use strict";

  var I18N = {
    id: {
      title: "Komoditas unggulan", level: "Tingkat wilayah", desa: "Desa/kelurahan",
      kecamatan: "Kecamatan", sentra: "Sentra", basemap: "Peta dasar", plain: "Polos (tanpa peta dasar)",
      top: "Kandidat utama", none: "Tidak ada kandidat", other: "Lainnya", rank: "Peringkat",
      commodity: "Komoditas", score: "Skor", cls: "Kelas lahan", limiting: "Faktor pembatas",
      lq: "LQ", nsentra: "Sentra", workers: "Tenaga kerja", units: "Unit usaha",
      reason: "Alasan", detail: "Detail wilayah", search: "Cari desa/kecamatan...",
      notfound: "Tidak ditemukan", weights: "Bobot skor", recompute: "Hitung ulang",
      reset: "Bawaan", view: "Lihat komoditas", main: "Peta kandidat", language: "Bahasa",
      byClass: "Kelas kesesuaian", byScore: "Skor", byQuadrant: "Kuadran SLQ × DLQ",
      quadrant: "Kuadran", noscore: "Tidak diusulkan", nofigures: "Tidak ada angka produksi",
      noland: "Tidak ada data lahan",
      suitability: "Kesesuaian lahan", specialisation: "Spesialisasi (LQ)", scale: "Skala",
      trend: "Tren (DLQ)", cluster: "Klaster",
      continuity: "Keberlanjutan", market: "Pasar", uniqueness: "Keunikan",
      sectorLegend: "Sentra menurut sektor", classN: "N (tidak sesuai)", unknown: "Tidak diketahui",
      loading: "Memuat...", failed: "Gagal memuat data", kecOf: "Kec.", hotspot: "klaster",
      weightsError: "Bobot ditolak", sector: "Sektor", synthetic: "Data contoh (sintetis)",
      scenario: "Skenario", scenarioDefault: "bawaan (tanpa skenario)", save: "Simpan skenario",
      scenarioName: "Nama skenario", writeKey: "Kunci tulis", saved: "Tersimpan",
      saveOff: "Penyimpanan mati: server ini tidak punya kunci tulis (UNGGULAN_WRITE_API_KEY). " +
        "Minta pengelola server menyalakannya, atau simpan bobot dalam berkas TOML.",
      needName: "Isi nama skenario", needKey: "Isi kunci tulis",
      replace: "Skenario dengan nama itu sudah ada. Ganti?", saveFailed: "Gagal menyimpan",
      stability: "Stabilitas peringkat 1", challenger: "penantang",
      stabilityHelp: "bagian dari 200 undian bobot (masing-masing ±20%) yang tetap menempatkan kandidat ini pertama",
      missing: "kriteria tanpa data", partial: "kriteria dengan data sebagian",
      inputs: "masukan", stablePrefix: "stabil", bundled: "bawaan alat",
      coarse: "Perbesar peta untuk melihat tiap desa/kelurahan; kini tampil kecamatan " +
        "menurut kandidat utamanya",
      basisLegend: "Dasar usulan kandidat utama", landOnly: "potensi lahan saja",
      own_activity: "aktivitas sendiri", kecamatan_statistics: "statistik kecamatan",
      neighbours: "aktivitas tetangga", land_only: "potensi lahan saja", basis: "Dasar",
      derived: "kode turunan", derivedHelp: "kode diturunkan dari nama, bukan kode resmi",
      filter: "Saring komoditas...", inData: "Ada dalam data", notInData: "Hanya penilaian lahan",
      slqNote: "SLQ statistik", areas: "wilayah", tie: "peringkat sama",
      zones: "Kawasan komoditas", kawasan: "Kawasan", embrio: "Embrio kawasan",
      members: "Anggota", centre: "Pusat"
    },
    en: {
      title: "Flagship commodities", level: "Area level", desa: "Village (desa)",
      kecamatan: "District (kecamatan)", sentra: "Sentra", basemap: "Base map", plain: "Plain (no base map)",
      top: "Top candidate", none: "No candidate", other: "Other", rank: "Rank",
      commodity: "Commodity", score: "Score", cls: "Land class", limiting: "Limiting factor",
      lq: "LQ", nsentra: "Sentra", workers: "Workers", units: "Business units",
      reason: "Why", detail: "Area details", search: "Find a village/district...",
      notfound: "Not found", weights: "Score weights", recompute: "Recompute",
      reset: "Defaults", view: "View a commodity", main: "Candidate map", language: "Language",
      byClass: "Suitability class", byScore: "Score", byQuadrant: "SLQ × DLQ quadrant",
      quadrant: "Quadrant", noscore: "Not proposed", nofigures: "No production figures",
      noland: "No land data",
      suitability: "Land suitability", specialisation: "Specialisation (LQ)", scale: "Scale",
      trend: "Trend (DLQ)", cluster: "Cluster",
      continuity: "Continuity", market: "Market", uniqueness: "Uniqueness",
      sectorLegend: "Sentra by sector", classN: "N (not suitable)", unknown: "Unknown",
      loading: "Loading...", failed: "Could not load the data", kecOf: "Kec.", hotspot: "cluster",
      weightsError: "Weights refused", sector: "Sector", synthetic: "Sample data (synthetic)",
      scenario: "Scenario", scenarioDefault: "default (no scenario)", save: "Save scenario",
      scenarioName: "Scenario name", writeKey: "Write key", saved: "Saved",
      saveOff: "Saving is off: this server has no write key (UNGGULAN_WRITE_API_KEY). " +
        "Ask the server's administrator to turn it on, or keep the weights in a TOML file.",
      needName: "Give the scenario a name", needKey: "Type the write key",
      replace: "A scenario of that name exists. Replace it?", saveFailed: "Could not save",
      stability: "Stability of rank 1", challenger: "challenger",
      stabilityHelp: "share of 200 weight draws (each ±20%) that keep this candidate first",
      missing: "criteria without data", partial: "criteria with partial data",
      inputs: "inputs", stablePrefix: "stable", bundled: "bundled",
      coarse: "Zoom in to see each village; districts shown now, by their top candidate",
      basisLegend: "Basis of the top candidate", landOnly: "land potential only",
      own_activity: "own activity", kecamatan_statistics: "kecamatan statistics",
      neighbours: "neighbours' activity", land_only: "land potential only", basis: "Basis",
      derived: "derived code", derivedHelp: "code derived from names, not an official code",
      filter: "Filter commodities...", inData: "In the data", notInData: "Land assessment only",
      slqNote: "statistics SLQ", areas: "areas", tie: "shared rank",
      zones: "Commodity zones", kawasan: "Zone", embrio: "Embryo zone",
      members: "Members", centre: "Centre"
    }
  };
  var LANGS = ["id", "en"];
  var VIEW_LABEL = {"class": "byClass", "score": "byScore", "quadrant": "byQuadrant"};
  var BASES = ["own_activity", "kecamatan_statistics", "neighbours", "land_only"];
  var LAND_ONLY_OPACITY = 0.3;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function num(x, lang, digits) {
    if (x == null || isNaN(x)) return "–";
    return Number(x).toLocaleString(lang === "id" ? "id-ID" : "en-GB",
      {minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0});
  }

  function init(map, cfg, bases) {
    var state = {
      lang: LANGS.indexOf(new URLSearchParams(location.search).get("lang")) >= 0
        ? new URLSearchParams(location.search).get("lang") : (cfg.lang || "id"),
      level: cfg.level, layers: {}, drawn: {}, controls: {}
    };
    var api = {state: state, map: map, cfg: cfg};
    window.unggulan = api;
    document.documentElement.setAttribute("data-lang", state.lang);
    function t(key) { return (I18N[state.lang] || I18N.id)[key] || key; }
    function cname(id) {
      var c = cfg.commodities[id];
      return c ? (state.lang === "en" ? c[1] : c[0]) : (id || "");
    }
    function factors(text) {  // "ph,slope" -> "pH, lereng"
      if (!text) return "–";
      return String(text).split(",").map(function (f) {
        var lab = (cfg.factors || {})[f];
        return lab ? (state.lang === "en" ? lab[1] : lab[0]) : f.replace(/_/g, " ");
      }).join(", ");
    }
    function sectorName(id) {
      var s = cfg.sectors[id];
      return s ? s[state.lang] : (id || t("unknown"));
    }
    function scenarioId() { return cfg.run && cfg.run.id ? cfg.run.id : null; }

    // ---- base layers: OpenStreetMap (may fail offline) and a plain light background
    var plain = L.layerGroup();
    plain.on("add", function () { map.getContainer().classList.add("unggulan-plain"); });
    plain.on("remove", function () { map.getContainer().classList.remove("unggulan-plain"); });
    if (cfg.basemap === "plain" || !bases.osm) {
      if (bases.osm) map.removeLayer(bases.osm);
      plain.addTo(map);
    }

    // ---- area layers
    function areaColour(p) {
      if (cfg.mode === "commodity") {
        var bins = cfg.legend;
        if (p.b == null || p.b < 0) return cfg.nodata;
        return bins[p.b].color;
      }
      if (!p.top) return cfg.nodata;
      return palette(p.level)[p.top] || cfg.other;
    }
    function palette(level) { return (cfg.palettes || {})[level] || {}; }
    function style(f) {
      var p = f.properties, focus = cfg.focus && cfg.focus === p.code;
      // an area whose top candidate rests on land potential only is drawn pale and dashed
      var lo = cfg.mode !== "commodity" && p.lo;
      return {color: focus ? "#000" : "#444", weight: focus ? 3 : (p.level === "kecamatan" ? 1.2 : 0.6),
              opacity: 0.9, fillColor: areaColour(p),
              fillOpacity: focus ? 0.85 : (lo ? LAND_ONLY_OPACITY : 0.75), dashArray: lo ? "4 3" : null,
              className: "unggulan-area unggulan-" + p.level + (lo ? " unggulan-land-only" : "")};
    }
    function codeText(p) {  // a code the tool derived from names is marked as such
      return esc(p.code) + (p.dc ? " <span class='derived' title='" + esc(t("derivedHelp")) + "'>(" +
        esc(t("derived")) + ")</span>" : "");
    }
    function tooltip(layer) { return tooltipHtml(layer.feature.properties); }
    function tooltipHtml(p) {
      var line;
      if (cfg.mode === "commodity") {
        line = cname(cfg.commodity) + ": " + (p.k || "–") +
          (p.s != null ? " · " + t("score") + " " + num(p.s, state.lang, 1) : "");
      } else {
        line = p.c && p.c.length ? t("top") + ": " + cname(p.c[0][0]) : t("none");
      }
      return "<b>" + esc(p.name) + "</b>" + (p.kec ? " (" + t("kecOf") + " " + esc(p.kec) + ")" : "") +
        "<br>" + esc(line);
    }
    function popup(layer) { return popupHtml(layer.feature.properties); }
    function popupHtml(p) {
      var L_ = state.lang;
      var h = "<div class='unggulan-popup'><h4>" + esc(p.name) + "</h4><div class='code'>" +
        esc(t(p.level)) + " · " + codeText(p) + (p.kec ? " · " + t("kecOf") + " " + esc(p.kec) : "") + "</div>";
      if (cfg.mode === "commodity") {
        h += "<table><tr><th>" + t("commodity") + "</th><td>" + esc(cname(cfg.commodity)) + "</td></tr>" +
          "<tr><th>" + t("cls") + "</th><td class='cls'>" + esc(p.k || "–") + "</td></tr>" +
          "<tr><th>" + t("limiting") + "</th><td>" + esc(factors(p.lim)) + "</td></tr>" +
          "<tr><th>" + t("score") + "</th><td>" + (p.s != null ? num(p.s, L_, 1) : t("noscore")) + "</td></tr>" +
          "<tr><th>" + t("nsentra") + "</th><td>" + num(p.n || 0, L_) + "</td></tr>" +
          (p.q || p.slq != null ? "<tr><th>SLQ · DLQ</th><td>" + (p.slq != null ? num(p.slq, L_, 2) : "–") +
            " · " + (p.dlq != null ? num(p.dlq, L_, 2) : "–") + "</td></tr><tr><th>" + t("quadrant") +
            "</th><td class='quadrant'>" + esc(p.q || "–") + "</td></tr>" : "") + "</table>";
      } else if (!p.c || !p.c.length) {
        h += "<p>" + t("none") + "</p>";
      } else {
        h += "<table class='ranked'><thead><tr><th>#</th><th>" + t("commodity") + "</th><th>" + t("score") +
          "</th><th>" + t("cls") + "</th><th>" + t("limiting") + "</th><th>" + t("lq") + "</th><th>" +
          t("nsentra") + "</th><th>" + t("workers") + "</th></tr></thead><tbody>";
        p.c.forEach(function (c, i) {
          var rk = c[10] || String(i + 1);
          var lq = c[4] == null ? "–" : num(c[4], L_, 1) +
            (c[11] === "slq" ? "<sup title='" + esc(t("slqNote")) + "'>s</sup>" : "");
          h += "<tr" + (i === 0 ? " class='top1'" : "") + "><td class='rank'" +
            (/=$/.test(rk) ? " title='" + esc(t("tie")) + "'" : "") + ">" + esc(rk) + "</td><td class='commodity'>" +
            esc(cname(c[0])) + "</td><td>" + num(c[1], L_, 1) + "</td><td>" + esc(c[2] || "–") +
            "</td><td>" + esc(factors(c[3])) + "</td><td class='lq'>" + lq +
            "</td><td>" + num(c[5], L_) + "</td><td>" + num(c[6], L_) + "</td></tr>";
        });
        h += "</tbody></table>";
        if (p.st && p.st[0] != null) {
          h += "<div class='stability' title='" + esc(t("stabilityHelp")) + "'>" + t("stability") + ": <b>" +
            t("stablePrefix") + " " + Math.floor(p.st[0] * 100 + 1e-9) + "%</b>" +
            (p.st[1] && p.st[0] < 1 ? " · " + t("challenger") + ": " + esc(cname(p.st[1])) : "") + "</div>";
        }
        h += "<ol class='reasons'>";
        p.c.forEach(function (c) {
          var why = (L_ === "en" ? c[8] : c[7]) || "–";
          // the basis, unless the reason already says it ("dasar: ..." / "basis: ...")
          var says = /^(dasar|basis)\b/i.test(why);
          h += "<li><b>" + esc(cname(c[0])) + "</b>" + (c[9] && !says ? " <span class='basis basis-" + esc(c[9]) +
            "'>(" + esc(t(c[9])) + ")</span>" : "") + ": " + esc(why) + "</li>";
        });
        h += "</ol>";
      }
      if (cfg.detail) {
        var q = new URLSearchParams({lang: state.lang});
        if (cfg.weights) q.set("weights", cfg.weights);
        if (scenarioId()) q.set("scenario", scenarioId());
        h += "<a class='detail-link' href='" + cfg.detail + encodeURIComponent(p.code) + "?" + q + "'>" +
          t("detail") + " &rarr;</a>";
      }
      return h + "</div>";
    }
    function makeLayer(level) {
      if (cfg.levels[level].tiles) return makeTileLayer(level, cfg.levels[level]);
      var layer = L.geoJson(null, {
        style: style,
        onEachFeature: function (f, l) {
          if (!f.properties.label) {
            f.properties.label = f.properties.name + (f.properties.kec ? " (" + f.properties.kec + ")" : "");
          }
          l.bindTooltip(tooltip, {sticky: true});
          l.bindPopup(popup, {maxWidth: 520, minWidth: 280});
        }
      });
      state.layers[level] = layer;
      var spec = cfg.levels[level];
      var done = function (data) {
        if (data.unggulan) {  // a fetched level brings its legend and palette
          cfg.palettes = cfg.palettes || {};
          cfg.palettes[level] = data.unggulan.palette;
          cfg.counts[level] = data.unggulan.counts;
          cfg.otherCount[level] = data.unggulan.otherCount;
          cfg.basisCounts = cfg.basisCounts || {};
          cfg.basisCounts[level] = data.unggulan.basisCounts || {};
          Object.keys(data.unggulan.commodities || {}).forEach(function (k) {
            cfg.commodities[k] = data.unggulan.commodities[k];
          });
        }
        layer.addData(data);
        state.drawn[level] = layer.getLayers().length;
        state.drawnAt = state.drawnAt || {};
        state.drawnAt[level] = performance.now();  // ms since navigation: `make bench` reads it
        document.documentElement.setAttribute("data-drawn-" + level, state.drawn[level]);
        if (level === state.level) { fit(layer); buildLegend(); }
        if (spec.onload) spec.onload();
      };
      if (spec.data) { done(spec.data); }
      else {
        layer.once("add", function () {
          setStatus(t("loading"));
          fetch(spec.url).then(function (r) {
            if (!r.ok) throw new Error(r.status);
            return r.json();
          }).then(function (d) { setStatus(""); done(d); })
            .catch(function (e) { setStatus(t("failed") + " (" + e.message + ")"); });
        });
      }
      return layer;
    }
    function fit(layer) {
      var b = layer.getBounds ? layer.getBounds() : layer.unggulanBounds;
      if (b && b.isValid()) map.fitBounds(b, {padding: [8, 8]});
    }

    // ---- levels drawn from vector tiles (Leaflet.VectorGrid, canvas renderer)
    if (L.Canvas && L.Canvas.Tile && !L.DomEvent.fakeStop) {
      // VectorGrid 1.3.0 calls L.DomEvent.fakeStop, gone since Leaflet 1.8
      // (Leaflet/Leaflet.VectorGrid#274); Leaflet's canvas already keeps the map from
      // handling the same click (the container has _leaflet_disable_events)
      L.Canvas.Tile.include({
        _onClick: function (e) {
          var point = this._map.mouseEventToLayerPoint(e).subtract(this.getOffset()), hit = null;
          for (var id in this._layers) {
            var layer = this._layers[id];
            if (layer.options.interactive && layer._containsPoint(point) &&
                !this._map._draggableMoved(layer)) hit = layer;
          }
          this._fireEvent(hit ? [hit] : false, e);
        }
      });
    }
    function tileStyle(level, paletteLevel) {
      var coarse = level !== paletteLevel;
      return function (p) {
        var lo = p.top1_basis === "land_only";
        return {fill: true, fillColor: p.top1 ? (palette(paletteLevel)[p.top1] || cfg.other) : cfg.nodata,
                fillOpacity: lo ? LAND_ONLY_OPACITY : 0.75, color: coarse ? "#222" : "#444", opacity: 0.9,
                dashArray: lo ? [4, 3] : null, weight: level === "kecamatan" ? (coarse ? 0.8 : 1.2) : 0.6};
      };
    }
    function openTilePopup(level, p, latlng) {
      var pop = L.popup({maxWidth: 520, minWidth: 280}).setLatLng(latlng).setContent(
        "<div class='unggulan-popup'><h4>" + esc(p.name) + "</h4><div class='code'>" + esc(t(level)) +
        " · " + esc(p.code) + "</div><p class='loading'>" + esc(t("loading")) + "</p></div>").openOn(map);
      var q = new URLSearchParams({level: level, top: String(cfg.top || 3)});
      if (scenarioId()) q.set("scenario", scenarioId()); else if (cfg.weights) q.set("weights", cfg.weights);
      fetch(cfg.api + "/areas/" + encodeURIComponent(p.code) + "/candidates?" + q).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).then(function (d) {
        var props = {code: p.code, name: d.name || p.name, level: level, kec: p.kec, c: []};
        (d.candidates || []).forEach(function (c) {
          if (!cfg.commodities[c.commodity]) {
            cfg.commodities[c.commodity] = [c.commodity_name_id || c.commodity, c.commodity_name_en || c.commodity];
          }
          var lq = c.lq, kind = null;
          if (lq == null && c.slq != null) { lq = c.slq; kind = "slq"; }
          props.c.push([c.commodity, c.score, c.suitability_class, c.limiting_factors, lq, c.sentra,
                        c.workers, c.reason_id, c.reason_en,
                        BASES.indexOf(c.basis) >= 0 ? c.basis : null, c.rank_label || null, kind]);
        });
        pop.setContent(popupHtml(props));
      }).catch(function (e) {
        pop.setContent("<div class='unggulan-popup'><h4>" + esc(p.name) + "</h4><p>" + esc(t("failed")) +
                       " (" + esc(e.message) + ")</p></div>");
      });
    }
    function makeTileLayer(level, spec) {
      var group = L.layerGroup();
      group.unggulanBounds = L.latLngBounds(spec.bounds);
      state.layers[level] = group;
      // a grid layer's zoom range would otherwise bound the map's
      if (map.options.minZoom === undefined) map.options.minZoom = 0;
      if (map.options.maxZoom === undefined) map.options.maxZoom = 19;
      var tip = L.tooltip({sticky: true, direction: "top", offset: [0, -8]});
      function grid(url, lv, zooms, attr) {
        var styles = {};
        styles[lv] = tileStyle(lv, level);
        var g = L.vectorGrid.protobuf(url, L.extend({
          rendererFactory: L.canvas.tile, interactive: true, pane: "overlayPane",
          vectorTileLayerStyles: styles, maxZoom: map.options.maxZoom,
          getFeatureId: function (f) { return f.properties.code; }
        }, zooms));
        var hover = null;
        g.on("mouseover", function (e) {
          var p = e.layer.properties;
          if (hover !== null && hover !== p.code) g.resetFeatureStyle(hover);
          hover = p.code;
          var st = tileStyle(lv, level)(p);
          st.weight = 2.5; st.color = "#000"; st.fillOpacity = 0.85;
          g.setFeatureStyle(p.code, st);
          tip.setContent(tooltipHtml({name: p.name, kec: p.kec, c: p.top1 ? [[p.top1]] : []}))
            .setLatLng(e.latlng);
          if (!map.hasLayer(tip)) tip.openOn(map);
        });
        g.on("mousemove", function (e) { if (map.hasLayer(tip)) tip.setLatLng(e.latlng); });
        g.on("mouseout", function () {
          if (hover !== null) g.resetFeatureStyle(hover);
          hover = null;
          map.closeTooltip(tip);
        });
        g.on("click", function (e) {
          map.closeTooltip(tip);
          openTilePopup(lv, e.layer.properties, e.latlng);
        });
        g.on("load", function () {  // the tiles in view are drawn
          var ids = {}, n = 0, z = Math.round(map.getZoom());
          Object.keys(g._vectorTiles || {}).forEach(function (key) {
            if (Number(key.split(":")[2]) !== z) return;
            Object.keys(g._vectorTiles[key]._features || {}).forEach(function (id) {
              if (!ids[id]) { ids[id] = 1; n += 1; }
            });
          });
          if (!n) return;
          state.drawn[attr] = n;
          state.drawnAt = state.drawnAt || {};
          if (state.drawnAt[attr] === undefined) state.drawnAt[attr] = performance.now();
          document.documentElement.setAttribute("data-drawn-" + attr, n);
        });
        return g;
      }
      group.once("add", function () {
        setStatus(t("loading"));
        fetch(spec.legend).then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.json();
        }).then(function (d) {
          setStatus("");
          cfg.palettes = cfg.palettes || {};
          cfg.palettes[level] = d.palette;
          cfg.counts[level] = d.counts;
          cfg.otherCount[level] = d.otherCount;
          cfg.basisCounts = cfg.basisCounts || {};
          cfg.basisCounts[level] = d.basisCounts || {};
          Object.keys(d.commodities || {}).forEach(function (k) { cfg.commodities[k] = d.commodities[k]; });
          if (spec.under) {
            group.addLayer(grid(spec.under.tiles, spec.under.level,
                                {minZoom: spec.under.minZoom, maxZoom: spec.minZoom - 1}, level + "-coarse"));
          }
          group.addLayer(grid(spec.tiles, level, {minZoom: spec.minZoom}, level));
          if (level === state.level) buildLegend();
        }).catch(function (e) { setStatus(t("failed") + " (" + e.message + ")"); });
      });
      map.on("zoomend", function () { if (state.level === level) buildLegend(); });
      return group;
    }
    // the legend exists before the layers: data inlined in the page is drawn at once
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
      this._div = L.DomUtil.create("div", "unggulan-legend");
      L.DomEvent.disableScrollPropagation(this._div);
      return this._div;
    };
    legend.addTo(map);
    Object.keys(cfg.levels).forEach(makeLayer);

    // ---- sentra, clustered, coloured by sector
    // a cluster takes the colour of the sector with most sentra in it
    var sentra = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45,
      iconCreateFunction: function (cluster) {
        var n = {}, best = null;
        cluster.getAllChildMarkers().forEach(function (m) {
          n[m.options.sector] = (n[m.options.sector] || 0) + 1;
          if (best === null || n[m.options.sector] > n[best]) best = m.options.sector;
        });
        var colour = (cfg.sectors[best] || {}).color || cfg.other;
        var count = cluster.getChildCount();
        var size = count < 10 ? 28 : (count < 100 ? 34 : 40);
        return L.divIcon({
          html: "<div style='background:" + colour + ";width:" + size + "px;height:" + size +
            "px;line-height:" + size + "px'>" + count + "</div>",
          className: "unggulan-cluster", iconSize: L.point(size, size)
        });
      }
    });
    (cfg.sentra || []).forEach(function (s) {
      var colour = (cfg.sectors[s[2]] || {}).color || cfg.other;
      var m = L.circleMarker([s[0], s[1]], {radius: 6, color: "#222", weight: 1, sector: s[2],
                                            fillColor: colour, fillOpacity: 0.95});
      m.bindPopup(function () {
        return "<div class='unggulan-popup'><h4>" + esc(s[4] || cname(s[3])) + "</h4><table>" +
          "<tr><th>" + t("commodity") + "</th><td>" + esc(cname(s[3])) + "</td></tr>" +
          "<tr><th>" + t("sector") + "</th><td>" + esc(sectorName(s[2])) + "</td></tr>" +
          "<tr><th>" + t("units") + "</th><td>" + num(s[5], state.lang) + "</td></tr>" +
          "<tr><th>" + t("workers") + "</th><td>" + num(s[6], state.lang) + "</td></tr>" +
          "<tr><th>" + t("desa") + "</th><td>" + esc(s[7] || "–") + "</td></tr></table></div>";
      });
      sentra.addLayer(m);
    });
    sentra.addTo(map);
    state.sentra = sentra;

    // ---- commodity zones (kawasan): outlines in the commodity's colour, toggled in the
    // layer control (off at first); an embryo zone dashed
    var zones = null;
    if (cfg.zones && (cfg.zones.url || (cfg.zones.items && cfg.zones.items.length))) {
      zones = L.geoJSON(null, {
        style: function (f) {
          var p = f.properties;
          var colour = p.colour || palette(state.level)[p.commodity] || cfg.other;
          return {color: colour, weight: p.status === "kawasan" ? 3 : 2,
                  dashArray: p.status === "kawasan" ? null : "6 4", fill: false, opacity: 0.95};
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindPopup(function () {
            return "<div class='unggulan-popup'><h4>" + esc(t(p.status)) + " " +
              esc(cname(p.commodity)) + "</h4><table>" +
              "<tr><th>" + t("members") + "</th><td>" + num(p.n, state.lang) + " · " +
              num(p.ha, state.lang) + " ha</td></tr>" +
              "<tr><th>" + t("centre") + "</th><td>" + esc(p.centre || "–") + "</td></tr>" +
              "</table><p>" + esc(state.lang === "en" ? p.reason_en : p.reason_id) +
              "</p><div class='sub'>" + esc(p.zone_id) + "</div></div>";
          });
        }
      });
      (cfg.zones.items || []).forEach(function (it) {  // inline: [geometry, properties]
        zones.addData({type: "Feature", geometry: it[0], properties: it[1]});
      });
      if (cfg.zones.url) {  // a served page: asked for once, when first switched on
        zones.once("add", function () {
          fetch(cfg.zones.url).then(function (r) { return r.ok ? r.json() : {items: []}; })
            .then(function (page) {
              (page.items || []).forEach(function (it) {
                zones.addData({type: "Feature", geometry: it.geometry, properties: {
                  zone_id: it.zone_id, commodity: it.commodity, status: it.status,
                  n: it.n_members, ha: it.area_ha, centre: it.centre_name,
                  reason_id: it.reason_id, reason_en: it.reason_en}});
              });
            }).catch(function () {});
        });
      }
    }
    state.zones = zones;

    state.layers[state.level].addTo(map);
    map.on("overlayadd", function (e) {
      Object.keys(state.layers).forEach(function (lv) {
        if (state.layers[lv] === e.layer) {
          state.level = lv;
          searchFor(lv);
          if (state.drawn[lv]) fit(e.layer);
          sentra.bringToFront && sentra.bringToFront();
          if (zones && map.hasLayer(zones)) zones.bringToFront();
          buildLegend();
          var u = new URL(location.href); u.searchParams.set("level", lv);
          if (location.protocol !== "file:") history.replaceState(null, "", u);
        }
      });
    });

    // ---- controls
    var search = null;
    if (L.Control.Search) {
      search = new L.Control.Search({
        layer: state.layers[state.level], propertyName: "label", initial: false,
        textPlaceholder: t("search"), textErr: t("notfound"), hideMarkerOnCollapse: true,
        marker: false, position: "topleft",
        moveToLocation: function (latlng, title, m) {
          if (latlng.layer && latlng.layer.getBounds) {
            m.fitBounds(latlng.layer.getBounds(), {maxZoom: 14});
            latlng.layer.openPopup();
          }
        }
      });
      map.addControl(search);
      searchFor(state.level);
    }
    // a level drawn from tiles has no features in the page: it is searched through the API
    function searchFor(level) {
      if (!search) return;
      if (cfg.levels[level].tiles && cfg.api) {
        search.options.layer = null;
        search.options.sourceData = apiSearch(level);
        search._formatData = function (records) { return records; };
      } else {
        search.options.sourceData = null;
        search.options.layer = state.layers[level];
        search._formatData = search._defaultFormatData;
        search.setLayer(state.layers[level]);
      }
    }
    function apiSearch(level) {
      return function (text, callResponse) {
        var q = new URLSearchParams({level: level, q: text, limit: "20", geometry: "true"});
        var ctl = window.AbortController ? new AbortController() : null;
        fetch(cfg.api + "/areas?" + q, ctl ? {signal: ctl.signal} : {}).then(function (r) {
          return r.ok ? r.json() : {features: []};
        }).then(function (fc) {
          var out = {};
          (fc.features || []).forEach(function (f) {
            var p = f.properties, b = L.geoJSON(f).getBounds();
            var label = p.name + (level === "desa" && p.kecamatan_name ? " (" + p.kecamatan_name + ")" : "");
            if (out[label]) label += " · " + p.code;
            var at = b.getCenter();
            at.layer = {
              getBounds: function () { return b; },
              openPopup: function () {
                openTilePopup(level, {code: p.code, name: p.name, kec: p.kecamatan_name}, at);
              }
            };
            out[label] = at;
          });
          callResponse(out);
        }).catch(function () { callResponse({}); });
        return {abort: function () { if (ctl) ctl.abort(); }};
      };
    }
    function buildLayerControl() {
      if (state.controls.layers) map.removeControl(state.controls.layers);
      var basesCtl = {};
      if (bases.osm) basesCtl["OpenStreetMap"] = bases.osm;
      basesCtl[t("plain")] = plain;
      var groups = {}, lv = {};
      Object.keys(state.layers).forEach(function (k) { lv[t(k)] = state.layers[k]; });
      groups[t("level")] = lv;
      var sg = {}; sg[t("sentra")] = sentra; groups[t("sentra")] = sg;
      if (zones) { var zg = {}; zg[t("zones")] = zones; groups[t("zones")] = zg; }
      state.controls.layers = L.control.groupedLayers(basesCtl, groups,
        {exclusiveGroups: [t("level")], collapsed: false, position: "topright"}).addTo(map);
    }
    function buildLegend() {
      var h = "";
      if (cfg.mode === "commodity") {
        h += "<h4><i class='swatch commodity-colour' style='background:" + esc(cfg.colour || cfg.other) +
          "'></i>" + esc(cname(cfg.commodity)) + "</h4><div class='sub'>" +
          t(VIEW_LABEL[cfg.view]) + "</div>";
        cfg.legend.forEach(function (b) {
          var label = b.key === "N" ? t("classN") :
            (b.lo != null ? num(b.lo, state.lang, 1) + "–" + num(b.hi, state.lang, 1) :
             (state.lang === "en" && b.label_en ? b.label_en : b.label));
          h += "<div><i style='background:" + b.color + "'></i>" + esc(label) + "</div>";
        });
        h += "<div><i style='background:" + cfg.nodata + "'></i>" +
          t(cfg.view === "quadrant" ? "nofigures" : (cfg.view === "class" ? "noland" : "noscore")) + "</div>";
      } else {
        h += "<h4>" + t("top") + " (" + esc(t(state.level)) + ")</h4>";
        var spec = cfg.levels[state.level] || {};
        if (spec.tiles && spec.under && map.getZoom() < spec.minZoom) {
          h += "<div class='coarse'>" + esc(t("coarse")) + "</div>";
        }
        var counts = cfg.counts[state.level] || [];
        counts.forEach(function (c) {
          h += "<div class='entry' data-commodity='" + esc(c[0]) + "'><i style='background:" +
            (palette(state.level)[c[0]] || cfg.other) + "'></i>" +
            esc(cname(c[0])) + " <span class='n'>" + num(c[1], state.lang) + "</span></div>";
        });
        if (cfg.otherCount[state.level]) {
          h += "<div><i style='background:" + cfg.other + "'></i>" + t("other") + " <span class='n'>" +
            num(cfg.otherCount[state.level], state.lang) + "</span></div>";
        }
        h += "<div><i style='background:" + cfg.nodata + "'></i>" + t("none") + "</div>";
        var bc = (cfg.basisCounts || {})[state.level] || {};
        var bkeys = BASES.filter(function (b) { return bc[b]; });
        if (bkeys.length) {  // areas by the evidence their top candidate rests on
          h += "<h4>" + t("basisLegend") + "</h4>";
          bkeys.forEach(function (b) {
            h += "<div class='basis-count' data-basis='" + b + "'>" + (b === "land_only" ?
              "<i class='land-only' style='background:" + cfg.other + "'></i>" : "<i class='blank'></i>") +
              esc(t(b)) + " <span class='n'>" + num(bc[b], state.lang) + " " + esc(t("areas")) + "</span></div>";
          });
        }
      }
      var sectors = Object.keys(cfg.sectors).filter(function (k) {
        return !cfg.sectorsPresent || cfg.sectorsPresent.indexOf(k) >= 0;
      });
      if (sectors.length) {  // no heading without sentra under it
        h += "<h4>" + t("sectorLegend") + "</h4>";
        sectors.forEach(function (k) {
          h += "<div><i class='dot' style='background:" + cfg.sectors[k].color + "'></i>" +
            esc(sectorName(k)) + "</div>";
        });
      }
      legend._div.innerHTML = h;
    }

    var panel = L.control({position: "topright"});
    var statusEl;
    function setStatus(text) { if (statusEl) statusEl.textContent = text; }
    panel.onAdd = function () {
      this._div = L.DomUtil.create("div", "unggulan-panel");
      L.DomEvent.disableClickPropagation(this._div);
      L.DomEvent.disableScrollPropagation(this._div);
      return this._div;
    };
    panel.addTo(map);
    function buildPanel() {
      var h = "<div class='title'>" + esc(t("title")) + (cfg.mode === "commodity" ? ": " +
        "<i class='swatch commodity-colour' style='background:" + esc(cfg.colour || cfg.other) + "'></i>" +
        esc(cname(cfg.commodity)) : "") + "</div><div class='dataset'>" + esc(cfg.dataset) +
        (cfg.synthetic ? " · " + t("synthetic") : "") + "</div>";
      h += "<div class='lang'>" + t("language") + ": ";
      LANGS.forEach(function (l) {
        h += "<button type='button' data-lang='" + l + "' class='lang-btn" + (l === state.lang ? " active" : "") +
          "'>" + l.toUpperCase() + "</button>";
      });
      h += "</div>";
      if (cfg.links) {
        // the commodities the data hold first, then those with a land assessment only;
        // a filter box narrows the list (long catalogues)
        var present = cfg.present || cfg.viewable, rest = cfg.viewable.filter(function (id) {
          return present.indexOf(id) < 0;
        });
        var opts = function (ids) {
          return ids.map(function (id) {
            return "<option value='" + esc(id) + "'" + (id === cfg.commodity ? " selected" : "") + ">" +
              esc(cname(id)) + "</option>";
          }).join("");
        };
        h += "<div class='views'><label class='view-label'>" + t("view") + "</label>" +
          "<input type='search' class='commodity-filter' placeholder='" + esc(t("filter")) + "' aria-label='" +
          esc(t("filter")) + "'><select class='commodity-select' aria-label='" + esc(t("view")) +
          "'><option value=''>—</option>" +
          (rest.length ? "<optgroup label='" + esc(t("inData")) + "'>" + opts(present) + "</optgroup>" +
           "<optgroup label='" + esc(t("notInData")) + "'>" + opts(rest) + "</optgroup>" : opts(present)) +
          "</select>";
        if (cfg.mode === "commodity") {
          (cfg.views || []).forEach(function (v) {
            if (v !== cfg.view) h += " <a class='view-mode' href='#' data-view='" + v + "'>" +
              t(VIEW_LABEL[v]) + "</a>";
          });
        }
        h += "<div><a class='main-link' href='" + esc(cfg.links.main +
          (scenarioId() ? "&scenario=" + encodeURIComponent(scenarioId()) : "")) + "'>" + t("main") + "</a></div></div>";
      }
      if (cfg.api && cfg.mode !== "commodity") {
        h += "<details class='weights'><summary>" + t("weights") + "</summary>";
        Object.keys(cfg.weightValues).forEach(function (k) {
          var v = cfg.weightValues[k];
          h += "<label>" + t(k) + " <input type='range' min='0' max='1' step='0.05' name='" + k +
            "' value='" + v + "'><output>" + num(v, state.lang, 2) + "</output></label>";
        });
        h += "<button type='button' class='recompute'>" + t("recompute") + "</button> " +
          "<button type='button' class='reset'>" + t("reset") + "</button><div class='error'></div>";
        h += "<div class='scenarios'><label>" + t("scenario") + " <select class='scenario-select'>" +
          "<option value=''>" + esc(t("scenarioDefault")) + "</option></select></label>" +
          "<div class='save'></div><div class='scenario-msg' role='status'></div></div></details>";
      }
      if (cfg.notice) {
        h += "<div class='notice'>" + esc(cfg.notice[state.lang] || cfg.notice.id) +
          (cfg.notice.detail ? "<br><small>" + esc(cfg.notice.detail) + "</small>" : "") + "</div>";
      }
      h += "<div class='status'></div>";
      panel._div.innerHTML = h;
      statusEl = panel._div.querySelector(".status");
      panel._div.querySelectorAll(".lang-btn").forEach(function (b) {
        b.addEventListener("click", function () { setLang(b.getAttribute("data-lang")); });
      });
      var sel = panel._div.querySelector(".commodity-select");
      var filter = panel._div.querySelector(".commodity-filter");
      if (sel && filter) filter.addEventListener("input", function () {
        var q = filter.value.trim().toLowerCase();
        sel.querySelectorAll("option").forEach(function (o) {
          if (!o.value) return;
          o.hidden = q !== "" && o.textContent.toLowerCase().indexOf(q) < 0 && o.value.indexOf(q) < 0;
        });
      });
      if (sel) sel.addEventListener("change", function () {
        if (!sel.value) return;
        var q = new URLSearchParams({lang: state.lang, level: state.level});
        if (scenarioId()) q.set("scenario", scenarioId());
        location.href = cfg.links.commodity + encodeURIComponent(sel.value) + "?" + q;
      });
      panel._div.querySelectorAll(".view-mode").forEach(function (vm) {
        vm.addEventListener("click", function (e) {
          e.preventDefault();
          var u = new URL(location.href); u.searchParams.set("view", vm.getAttribute("data-view"));
          u.searchParams.set("lang", state.lang); location.href = u;
        });
      });
      var w = panel._div.querySelector(".weights");
      if (w) {
        w.querySelectorAll("input[type=range]").forEach(function (inp) {
          inp.addEventListener("input", function () {
            inp.nextSibling.textContent = num(inp.value, state.lang, 2);
          });
        });
        w.querySelector(".reset").addEventListener("click", function () {
          var u = new URL(location.href); u.searchParams.delete("weights");
          u.searchParams.delete("scenario"); location.href = u;
        });
        w.querySelector(".recompute").addEventListener("click", function () {
          var parts = [];
          w.querySelectorAll("input[type=range]").forEach(function (inp) {
            parts.push(inp.name + "=" + Number(inp.value));
          });
          var weights = parts.join(",");
          var q = new URLSearchParams({level: state.level, top: "1", limit: "1", weights: weights,
                                       stability: "false"});
          var err = w.querySelector(".error");
          err.textContent = t("loading");
          // the API validates and computes; the page then reloads with the new weights
          fetch(cfg.api + "/candidates?" + q).then(function (r) {
            return r.json().then(function (body) { return {ok: r.ok, body: body}; });
          }).then(function (res) {
            if (!res.ok) { err.textContent = t("weightsError") + ": " + (res.body.detail || ""); return; }
            var u = new URL(location.href);
            u.searchParams.delete("scenario");
            u.searchParams.set("weights", weights); u.searchParams.set("lang", state.lang);
            u.searchParams.set("level", state.level);
            location.href = u;
          }).catch(function (e) { err.textContent = t("failed") + " (" + e.message + ")"; });
        });
        fillScenarios(w);
      }
    }

    // ---- saved scenarios: a select that loads one (the page reloads with ?scenario=ID) and a
    // form that saves the sliders as one (needs the server's write key)
    function sliderWeights(w) {
      var out = {};
      w.querySelectorAll("input[type=range]").forEach(function (inp) { out[inp.name] = Number(inp.value); });
      return out;
    }
    function fillScenarios(w) {
      var box = w.querySelector(".scenarios");
      if (!box) return;
      var apply = function (list) {
        var sel = box.querySelector(".scenario-select");
        (list.items || []).forEach(function (s) {
          var o = document.createElement("option");
          o.value = s.id;
          o.textContent = s.name + (s.source === "bundled" ? " (" + t("bundled") + ")" : "");
          if (s.error) { o.disabled = true; o.textContent += " (!)"; o.title = s.error; }
          if (s.id === scenarioId()) o.selected = true;
          sel.appendChild(o);
        });
        sel.addEventListener("change", function () {
          var u = new URL(location.href);
          u.searchParams.delete("weights");
          if (sel.value) u.searchParams.set("scenario", sel.value); else u.searchParams.delete("scenario");
          u.searchParams.set("lang", state.lang); u.searchParams.set("level", state.level);
          location.href = u;
        });
        var save = box.querySelector(".save");
        if (!list.writable) { save.innerHTML = "<div class='save-off'>" + esc(t("saveOff")) + "</div>"; return; }
        save.innerHTML = "<input type='text' class='scenario-name' maxlength='120' placeholder='" +
          esc(t("scenarioName")) + "' aria-label='" + esc(t("scenarioName")) + "'> " +
          "<input type='password' class='write-key' autocomplete='off' placeholder='" + esc(t("writeKey")) +
          "' aria-label='" + esc(t("writeKey")) + "'> <button type='button' class='save-scenario'>" +
          t("save") + "</button>";
        save.querySelector(".save-scenario").addEventListener("click", function () { saveScenario(w, box, false); });
      };
      if (state.scenarios) { apply(state.scenarios); return; }
      fetch(cfg.api + "/scenarios").then(function (r) { return r.ok ? r.json() : {items: [], writable: false}; })
        .then(function (list) { state.scenarios = list; apply(list); })
        .catch(function () { apply({items: [], writable: false}); });
    }
    function saveScenario(w, box, overwrite) {
      var msg = box.querySelector(".scenario-msg");
      var name = box.querySelector(".scenario-name").value.trim();
      var key = box.querySelector(".write-key").value;
      if (!name) { msg.textContent = t("needName"); return; }
      if (!key) { msg.textContent = t("needKey"); return; }
      var body = Object.assign({}, (cfg.run && cfg.run.settings) || {}, {
        name: name, description: "Disimpan dari peta web / saved from the web map",
        weights: sliderWeights(w)});
      msg.textContent = t("loading");
      fetch(cfg.api + "/scenarios" + (overwrite ? "?overwrite=true" : ""), {
        method: "POST", headers: {"Content-Type": "application/json", "X-API-Key": key},
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (b) { return {status: r.status, body: b}; });
      }).then(function (res) {
        if (res.status === 409 && !overwrite) {
          if (window.confirm(t("replace"))) saveScenario(w, box, true); else msg.textContent = "";
          return;
        }
        if (res.status !== 201 && res.status !== 200) {
          msg.textContent = t("saveFailed") + ": " + (res.body.detail || res.status); return;
        }
        msg.textContent = t("saved") + ": " + res.body.name + " (" + res.body.id + ")";
        var sel = box.querySelector(".scenario-select");
        var have = Array.prototype.some.call(sel.options, function (o) { return o.value === res.body.id; });
        if (!have) {
          var o = document.createElement("option");
          o.value = res.body.id; o.textContent = res.body.name; sel.appendChild(o);
          if (state.scenarios) state.scenarios.items.push({id: res.body.id, name: res.body.name, source: "dataset"});
        }
      }).catch(function (e) { msg.textContent = t("saveFailed") + " (" + e.message + ")"; });
    }

    // ---- the footer: which scenario and run the page shows
    var footer = null;
    function buildFooter() {
      if (!cfg.run) return;
      if (!footer) {
        footer = L.control({position: "bottomleft"});
        footer.onAdd = function () {
          this._div = L.DomUtil.create("div", "unggulan-footer");
          L.DomEvent.disableClickPropagation(this._div);
          return this._div;
        };
        footer.addTo(map);
      }
      var r = cfg.run;
      var title = t("scenario") + " " + r.scenarioHash + " · " + t("inputs") + " " + r.inputsHash +
        " · unggulan " + r.version + " · " + r.method;
      var h = "<span class='scenario-name'>" + esc(t("scenario")) + ": <b>" + esc(r.scenario) + "</b></span>" +
        " · <span class='run-hash'>run " + esc(r.run) + "</span>";
      if (r.missing && r.missing.length) {
        h += " · <span class='missing' title='" + esc(r.missing.join("; ")) + "'>" + r.missing.length + " " +
          esc(t("missing")) + "</span>";
      }
      if (r.partial && r.partial.length) {
        h += " · <span class='partial' title='" + esc(r.partial.join("; ")) + "'>" + r.partial.length + " " +
          esc(t("partial")) + "</span>";
      }
      footer._div.innerHTML = h;
      footer._div.title = title;
    }
    function setLang(l) {
      if (LANGS.indexOf(l) < 0) return;
      state.lang = l;
      document.documentElement.setAttribute("data-lang", l);
      document.documentElement.lang = l;
      buildPanel(); buildLegend(); buildLayerControl(); buildFooter();
      if (search) {
        search.options.textPlaceholder = t("search"); search.options.textErr = t("notfound");
        if (search._input) search._input.placeholder = t("search");
      }
      map.closePopup();
      if (location.protocol !== "file:") {
        var u = new URL(location.href); u.searchParams.set("lang", l); history.replaceState(null, "", u);
      }
    }
    api.setLang = setLang;
    // the detail page's language buttons (no inline handlers: the CSP allows none)
    document.querySelectorAll(".unggulan-detail .lang-btn[data-lang]").forEach(function (b) {
      b.addEventListener("click", function () { setLang(b.getAttribute("data-lang")); });
    });
    buildPanel(); buildLegend(); buildLayerControl(); buildFooter();
    document.documentElement.lang = state.lang;
    return api;
  }

  window.unggulanInit = init;
})();

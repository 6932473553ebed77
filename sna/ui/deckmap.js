// The product's map (st.components.v2): deck.gl is loaded once per page (from npm at setup, else the
// installed pydeck wheel's bundle, served by Streamlit's static serving), each level's geometry is fetched once by URL and kept
// in the browser, and every rerun brings only per-area classes, tooltip values, the selection and the
// small overlays of the page (points, paths, outlines, labels as columns). Clicks come back as a
// trigger value: {code, add} for an area, {clear}, or {layer, id} for a clickable overlay feature.
// Streamlit calls this function again, with the same parentElement, whenever the data changes.

const LIBS = (globalThis.__snaMapLibs = globalThis.__snaMapLibs || {});
const GEOMETRY = (globalThis.__snaMapGeometry = globalThis.__snaMapGeometry || {});
const MAPS = (globalThis.__snaMaps = globalThis.__snaMaps || {});

// deck.gl core, then layers (which extends the global `deck`): both downloaded at once, run in order
// (async = false), each bundle's exports merged into one `deck` as it runs.
function loadLibrary(urls) {
  if (globalThis.deck && globalThis.deck.Deck && globalThis.deck.PolygonLayer) return Promise.resolve(globalThis.deck);
  const key = urls.join(" ");
  if (!LIBS[key]) {
    let merged = {};
    LIBS[key] = Promise.all(urls.map((url) => new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.async = false;
      script.fetchPriority = "high";
      script.onload = () => { merged = Object.assign(merged, globalThis.deck); globalThis.deck = merged; resolve(); };
      script.onerror = () => reject(new Error("could not load the map library"));
      document.head.appendChild(script);
    }))).then(() => globalThis.deck, (error) => { delete LIBS[key]; throw error; });
  }
  return LIBS[key];
}

// Binary layout written by geo.display.pack_polygons.
function unpack(buffer) {
  const view = new DataView(buffer);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
  let offset = 4 + headerLength;
  const take = (Type, n) => { const a = new Type(buffer, offset, n); offset += n * Type.BYTES_PER_ELEMENT; return a; };
  const partArea = take(Uint32Array, header.parts);
  const partRing = take(Uint32Array, header.parts + 1);
  const ringVertex = take(Uint32Array, header.rings + 1);
  const coords = take(Float32Array, header.vertices * 2);
  const parts = new Array(header.parts);
  for (let p = 0; p < header.parts; p++) {
    const r0 = partRing[p], r1 = partRing[p + 1], v0 = ringVertex[r0], v1 = ringVertex[r1];
    const holes = [];
    for (let r = r0 + 1; r < r1; r++) holes.push(2 * (ringVertex[r] - v0));
    const polygon = holes.length ? { positions: coords.subarray(2 * v0, 2 * v1), holeIndices: holes }
                                  : coords.subarray(2 * v0, 2 * v1);
    parts[p] = { a: partArea[p], polygon };
  }
  const index = new Map(header.codes.map((c, i) => [c, i]));
  return { ...header, parts, index };
}

function loadGeometry(url) {
  if (!GEOMETRY[url]) {
    GEOMETRY[url] = fetch(url, { priority: "high" }).then((r) => {
      if (!r.ok) throw new Error(`map geometry ${r.status}`);
      return r.arrayBuffer();
    }).then(unpack).catch((e) => { delete GEOMETRY[url]; throw e; });
  }
  return GEOMETRY[url];
}

function fitView(deck, bounds, width, height) {
  const vp = new deck.WebMercatorViewport({ width: Math.max(width, 50), height: Math.max(height, 50) });
  const pad = Math.min(24, width / 10, height / 10);
  const { longitude, latitude, zoom } = vp.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: pad });
  return { longitude, latitude, zoom: Math.min(Math.max(zoom, 4), 16), pitch: 0, bearing: 0 };
}

function tooltipText(state, area) {
  const d = state.data, geo = state.geo;
  const cls = d.cls[area];
  if (cls === undefined || cls < -1) return null;
  const name = geo.names[area], code = geo.codes[area];
  if (d.text) return d.text[area] ? String(d.text[area]) : `${name} (${code})`;  // one plain text per area
  if (!d.tip) return `${name} (${code})`;
  const fill = (template) => template.replace(/\{(\w)\}/g, (_, k) => {
    const v = d.tip[k] ? d.tip[k][area] : "";
    return v === null || v === undefined ? "" : String(v);
  });
  const lines = [`${name} (${code})`, fill(d.tip.value)];
  if (d.tip.rank && d.tip.r[area] !== null) lines.push(fill(d.tip.rank));
  else if (d.tip.rank) lines.push("Not ranked");
  if (d.tip.decile && d.tip.d && d.tip.d[area]) lines.push(fill(d.tip.decile));
  return lines.join("\n");
}

function layers(state) {
  const { deck, geo, outline, data } = state;
  const palette = data.pal, nodata = data.nodata;
  const selected = new Set((data.sel || []).map((c) => geo.index.get(c)));
  const multi = new Set((data.multi || []).map((c) => geo.index.get(c)));
  const out = [
    new deck.PolygonLayer({
      id: "areas", data: geo.parts, getPolygon: (p) => p.polygon, positionFormat: "XY", _normalize: true,
      filled: true, stroked: false, pickable: true, autoHighlight: true, highlightColor: [30, 60, 90, 110],
      opacity: data.opacity === undefined ? 1 : data.opacity,
      getFillColor: (p) => {
        const c = data.cls[p.a];
        if (c === undefined || c < -1) return [0, 0, 0, 0];
        if (data.grey && data.grey[p.a]) return data.greycol;  // one 2011 shape for several 2021 values
        return c < 0 ? nodata : palette[c];
      },
      updateTriggers: { getFillColor: state.version },
    }),
  ];
  const ring = (ids, id, colour, width) => new deck.PolygonLayer({
    id, data: geo.parts.filter((p) => ids.has(p.a)), getPolygon: (p) => p.polygon, positionFormat: "XY",
    filled: false, stroked: true, getLineColor: colour, lineWidthMinPixels: width, pickable: false,
  });
  if (multi.size) out.push(ring(multi, "multi", [230, 0, 126], 3));
  if (selected.size) out.push(ring(selected, "selected", [0, 90, 181], 4));
  state.overlays = {};
  for (const spec of data.overlays || []) {
    state.overlays[`ov-${spec.id}`] = spec;
    out.push(overlayLayer(deck, spec));
  }
  return out;
}

// LA outlines and labels live on their own transparent canvas above the map (pointer events pass
// through), drawn by a second deck that redraws only when the view moves: a recolour then redraws
// the areas alone (in software WebGL the 1.5 px outline paths cost most of a frame: England 0.98 s
// of 1.25 s). Labels sit there too, above any overlay.
// Dark text on a light box, legible on any class colour (LA names and overlay labels alike).
const LABEL_STYLE = { getColor: [27, 38, 49], getTextAnchor: "middle", background: true, getBackgroundColor: [255, 255, 255, 215],
                      backgroundPadding: [4, 2, 4, 2], characterSet: "auto" };

function frameLayers(state) {
  const { deck, outline, data } = state;
  const labelled = new Set(data.labels || []);
  const labels = outline.codes.map((c, i) => ({ c, i })).filter((x) => labelled.has(x.c) && outline.lon[x.i] !== null);
  return [
    new deck.PolygonLayer({
      id: "la-outlines", data: outline.parts, getPolygon: (p) => p.polygon, positionFormat: "XY",
      filled: false, stroked: true, getLineColor: [40, 40, 40], lineWidthMinPixels: 1.5, pickable: false,
    }),
    new deck.TextLayer({
      ...LABEL_STYLE, id: "la-labels", data: labels, getPosition: (x) => [outline.lon[x.i], outline.lat[x.i]],
      getText: (x) => outline.names[x.i], getSize: 14, pickable: false,
    }),
  ];
}

function renderFrame(state, viewState) {
  if (!state.outline) {
    if (state.frameDeck) state.frameDeck.setProps({ layers: [] });
    state.frameKey = null;
    return;
  }
  if (!state.frameDeck) {
    state.frameDeck = new state.deck.Deck({
      id: "sna-map-outlines", parent: state.frame, controller: false, views: new state.deck.MapView({ repeat: false }),
      viewState: viewState || { longitude: -1.9, latitude: 52.5, zoom: 8 }, layers: [],
      onAfterRender: () => {
        if (allLoaded(state.frameDeck) && state.frameDrawnKey !== state.frameKey) {
          state.frameDrawnKey = state.frameKey;
          markDrawn(state);
        }
      },
    });
  }
  const key = `${state.data.outline}|${JSON.stringify(state.data.labels || [])}`;
  const props = {};
  if (viewState) props.viewState = viewState;
  if (state.frameKey !== key) { state.frameKey = key; props.layers = frameLayers(state); }
  if (Object.keys(props).length) state.frameDeck.setProps(props);
}

// A deck has drawn its layers once each of them is loaded.
function allLoaded(deckInstance) {
  const drawn = deckInstance && deckInstance.props.layers;
  return !!(drawn && drawn.length && drawn.every((layer) => layer.isLoaded));
}

// The map counts as drawn for this data once the areas are drawn and, where there are outlines, the
// outline canvas shows the current ones too.
function markDrawn(state) {
  if (!allLoaded(state.deckgl) || state.areasDrawnVersion !== state.version) return;
  if (state.outline && state.frameDrawnKey !== state.frameKey) return;
  if (state.drawnVersion !== state.version) {
    state.drawnVersion = state.version;
    state.root.dataset.drawn = String(state.version);
    state.root.dataset.level = state.data.geo;
    state.drawnAt = performance.now();
    state.timing.drawn = state.timing.drawn || state.drawnAt;
  }
}

// --- Overlays: small layers sent inline per rerun, as columns (flat [lon, lat, ...] coordinates) ---

const colourOf = (spec, i) => (spec.c ? spec.pal[spec.c[i]] : spec.pal[0]);

// A polygon part as rings of flat coordinates -> deck.gl's {positions, holeIndices}.
function polygonOf(rings) {
  if (rings.length === 1) return rings[0];
  const positions = [], holeIndices = [];
  rings.forEach((ring, r) => { if (r) holeIndices.push(positions.length); positions.push(...ring); });
  return { positions, holeIndices };
}

function overlayLayer(deck, spec) {
  const n = (spec.lon || spec.paths || spec.rings || []).length;
  const common = { id: `ov-${spec.id}`, data: Array.from({ length: n }, (_, i) => i), pickable: !!(spec.tip || spec.pick),
                   autoHighlight: !!spec.pick, highlightColor: [255, 255, 255, 140] };
  if (spec.type === "points") {
    return new deck.ScatterplotLayer({
      ...common, getPosition: (i) => [spec.lon[i], spec.lat[i]], getFillColor: (i) => colourOf(spec, i),
      radiusUnits: "pixels", getRadius: spec.r || 5, stroked: !!spec.line, getLineColor: spec.line || [255, 255, 255],
      lineWidthUnits: "pixels", getLineWidth: spec.lw || 1,
    });
  }
  if (spec.type === "paths") {
    return new deck.PathLayer({
      ...common, getPath: (i) => spec.paths[i], positionFormat: "XY", getColor: (i) => colourOf(spec, i),
      widthUnits: "pixels", getWidth: spec.w || 4, capRounded: true, jointRounded: true,
    });
  }
  if (spec.type === "outlines") {
    return new deck.PolygonLayer({
      ...common, getPolygon: (i) => polygonOf(spec.rings[i]), positionFormat: "XY", _normalize: true,
      filled: !!spec.fill, getFillColor: spec.fill || [0, 0, 0, 0], stroked: true, getLineColor: (i) => colourOf(spec, i),
      lineWidthUnits: "pixels", getLineWidth: spec.w || 2,
    });
  }
  return new deck.TextLayer({  // "labels"
    ...common, ...LABEL_STYLE, getPosition: (i) => [spec.lon[i], spec.lat[i]], getText: (i) => spec.text[i], getSize: 13,
  });
}

function overlayTip(state, info) {
  const spec = info && info.layer && state.overlays && state.overlays[info.layer.id];
  if (!spec) return null;
  return spec.tip && info.index >= 0 && spec.tip[info.index] ? String(spec.tip[info.index]) : "";
}

function pick(state, info, event) {
  const spec = info && info.layer && state.overlays && state.overlays[info.layer.id];
  if (spec) {  // a feature of an overlay: {layer, id} when the overlay is clickable
    if (spec.pick && spec.ids && info.index >= 0) state.setTriggerValue("pick", { layer: spec.id, id: spec.ids[info.index], n: Date.now() });
    return;
  }
  if (!info || !info.object || state.data.select === false) return;
  const area = info.object.a;
  const cls = state.data.cls[area];
  if (cls === undefined || cls < -1) return;  // drawn outside the chosen areas
  const add = state.multiMode || !!(event && event.srcEvent && event.srcEvent.shiftKey);
  state.setTriggerValue("pick", { code: state.geo.codes[area], add, n: Date.now() });
}

function render(state) {
  if (!state.deckgl || !state.geo) return;
  const el = state.container;
  const bounds = state.data.bounds;
  const boundsKey = JSON.stringify(bounds) + "|" + state.data.geo;
  const props = { layers: layers(state) };
  if (bounds && state.boundsKey !== boundsKey) {
    state.boundsKey = boundsKey;
    props.initialViewState = fitView(state.deck, bounds, el.clientWidth, el.clientHeight);
    state.fitWidth = el.clientWidth;
  }
  state.deckgl.setProps(props);
  renderFrame(state, props.initialViewState);
  state.status.textContent = state.multiMode
    ? `Several areas: click to add or remove (${(state.data.multi || []).length} chosen)` : "";
}

// On a narrow screen the map is about as tall as it is wide (no empty bands above and below);
// the view is fitted again when the height changes.
function fitHeight(state) {
  const width = state.root.clientWidth, height = (state.data && state.data.height) || 520;
  const want = `${width && width < 640 ? Math.max(300, Math.min(height, Math.round(width * 1.05))) : height}px`;
  if (state.container.style.height !== want) {
    state.container.style.height = want;
    state.boundsKey = null;
    return true;
  }
  return false;
}

function setup(component) {
  const { parentElement } = component;
  const root = document.createElement("div");
  root.className = "sna-map";
  const container = document.createElement("div");
  container.className = "sna-map-canvas";
  container.setAttribute("role", "img");
  const bar = document.createElement("div");
  bar.className = "sna-map-bar";
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "sna-map-multi";
  toggle.textContent = "Select several";
  toggle.setAttribute("aria-pressed", "false");
  const clear = document.createElement("button");
  clear.type = "button";
  clear.className = "sna-map-clear";
  clear.textContent = "Clear";
  const status = document.createElement("span");
  status.className = "sna-map-status";
  status.setAttribute("aria-live", "polite");
  bar.append(toggle, clear, status);
  const frame = document.createElement("div");
  frame.className = "sna-map-frame";
  frame.setAttribute("aria-hidden", "true");
  container.appendChild(frame);
  root.append(container, bar);
  parentElement.appendChild(root);
  const state = { root, container, frame, bar, status, toggle, clear, multiMode: false, version: 0 };
  toggle.onclick = () => {
    state.multiMode = !state.multiMode;
    toggle.setAttribute("aria-pressed", String(state.multiMode));
    render(state);
  };
  clear.onclick = () => state.setTriggerValue("pick", { clear: true, n: Date.now() });
  // A map first drawn hidden (in a closed tab) is fitted again once it has a width.
  const refit = () => state.fitWidth !== undefined && state.fitWidth < 60 && root.clientWidth >= 60 && !(state.boundsKey = null);
  if (globalThis.ResizeObserver) new ResizeObserver(() => { if (state.data && (fitHeight(state) || refit())) render(state); }).observe(root);
  return state;
}

export default function (component) {
  const { parentElement, data, setTriggerValue, key } = component;
  if (data.preload) {  // the page's first element: start fetching the library and geometry, draw nothing
    loadLibrary(data.lib).catch(() => {});
    for (const url of data.geo) loadGeometry(url).catch(() => {});
    return undefined;
  }
  let state = parentElement.__snaMap;
  if (!state) state = parentElement.__snaMap = setup(component);
  state.setTriggerValue = setTriggerValue;
  state.timing = state.timing || { called: performance.now() };
  state.data = data;
  state.version += 1;
  state.calledAt = performance.now();  // with drawnAt: the browser's share of a rerun (bench_map.py)
  const version = state.version;
  fitHeight(state);
  state.container.setAttribute("aria-label", data.alt || "Map");
  state.clear.hidden = !(data.multi && data.multi.length);
  state.bar.hidden = data.select === false;  // a map whose areas are not for choosing (only its overlays)
  MAPS[data.name || key] = state;

  const mark = (name) => (value) => { state.timing[name] = state.timing[name] || performance.now(); return value; };
  Promise.all([loadLibrary(data.lib).then(mark("library")), loadGeometry(data.geo).then(mark("geometry")),
               data.outline ? loadGeometry(data.outline) : null])
    .then(([deck, geo, outline]) => {
      if (version !== state.version) return;
      state.deck = deck; state.geo = geo; state.outline = outline;
      if (!state.deckgl) {
        state.deckgl = new deck.Deck({
          // No multisampling on the areas' canvas: in software WebGL (SwiftShader, no GPU) it made every
          // recolour frame 3x slower (West Midlands 73 -> 22 ms, England 350 -> 165 ms); neighbouring fills
          // barely show it, and the LA outlines and labels keep it on their own canvas.
          parent: state.container, deviceProps: { type: "webgl", antialias: false }, controller: { doubleClickZoom: true, touchRotate: false, dragRotate: false },
          views: new deck.MapView({ repeat: false }), initialViewState: { longitude: -1.9, latitude: 52.5, zoom: 8 },
          getTooltip: (info) => {
            const over = overlayTip(state, info);
            const text = over !== null ? over : info && info.object ? tooltipText(state, info.object.a) : null;
            // Text, never HTML; flipped to the left or above the pointer so it stays inside the map.
            const w = state.container.clientWidth, h = state.container.clientHeight;
            const dx = info.x > w / 2 ? "calc(-100% - 12px)" : "12px", dy = info.y > h / 2 ? "calc(-100% - 12px)" : "12px";
            return text && { text, style: { backgroundColor: "#1b2631", color: "white", fontSize: "13px", whiteSpace: "pre-line",
                                            maxWidth: `${Math.max(160, Math.min(320, w - 40))}px`, transform: `translate(${info.x}px, ${info.y}px) translate(${dx}, ${dy})` } };
          },
          onClick: (info, event) => pick(state, info, event),
          onViewStateChange: ({ viewState }) => { if (state.frameDeck) state.frameDeck.setProps({ viewState }); },
          getCursor: ({ isHovering }) => (isHovering ? "pointer" : "grab"),
          onAfterRender: () => {
            if (allLoaded(state.deckgl)) state.areasDrawnVersion = state.version;
            markDrawn(state);
          },
          onError: (error) => { state.root.dataset.error = String(error && error.message); },
        });
      }
      render(state);
    })
    .catch((error) => {
      state.root.dataset.error = String(error && error.message);
      state.status.textContent = "The map could not be drawn; use the list below the map to open an area.";
    });

  // Streamlit may call this cleanup for a superseded call as well as on unmount: only tear down
  // when the element has really left the page.
  return () => setTimeout(() => {
    const host = parentElement.host || parentElement;
    if (!host.isConnected && state.deckgl) {
      state.deckgl.finalize();
      state.deckgl = null;
      if (state.frameDeck) { state.frameDeck.finalize(); state.frameDeck = null; }
      delete parentElement.__snaMap;
    }
  }, 0);
}

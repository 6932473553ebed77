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

// --- The areas as an id image -------------------------------------------------------------------
// The areas' deck draws each area in an id colour (its index + 1 in RGB, alpha 255) only when the view
// or the geometry changes, and that frame's pixels are read back once (in onAfterRender, before the
// drawing buffer is discarded). Its canvas is invisible (it keeps the pointer events: picking, drag,
// zoom); the visible areas are a 2D canvas painted from the ids through a colour table per rerun.
// A recolour (classes, palette, opacity, hover) is then O(pixels), not a re-rasterisation of every
// polygon: in software WebGL England's 350k triangles took ~190 ms per recolour. Exact because the
// areas' canvas has no multisampling and no blending (alpha 1): a pixel is one area's id or 0.
const HIGHLIGHT = [30, 60, 90, 110];

// The areas filled by `fill` (area index -> RGBA); `trigger` changes when the fill does.
function areasLayer(state, fill, trigger) {
  return new state.deck.PolygonLayer({
    id: "areas", data: state.geo.parts, getPolygon: (p) => p.polygon, positionFormat: "XY", _normalize: true,
    filled: true, stroked: false, pickable: true, autoHighlight: false, opacity: 1,
    getFillColor: (p) => fill(p.a), updateTriggers: { getFillColor: trigger },
  });
}

const idLayer = (state) => areasLayer(state, (a) => [(a + 1) & 255, ((a + 1) >> 8) & 255, ((a + 1) >> 16) & 255, 255], "ids");

// The first frame of a geometry is drawn in colour, on the deck's own canvas, from the same colour table:
// waiting for the id frame's read-back before anything showed made the first map 4% later (by its next
// frame; 16% by the drawn mark). The id image is drawn when the browser is next idle (toIds), and from
// then on the 2D canvas shows the areas.
function colourLayer(state) {
  const lut = state.lut;
  return areasLayer(state, (a) => { const c = lut[a + 1]; return [c & 255, (c >>> 8) & 255, (c >>> 16) & 255, c >>> 24]; },
                    `colour-${state.version}`);
}

// state.mode: "colour" (the deck's canvas shows the areas), "converting" (its next frame draws the ids,
// hidden before it is shown) or "ids" (the 2D canvas shows them, painted from the id image).
function showIds(state, on) {
  state.mode = on ? "ids" : "colour";
  state.idCanvas.style.opacity = on ? "0" : "1";
  state.paintCanvas.style.visibility = on ? "visible" : "hidden";
}

function toIds(state) {
  state.toIdsPending = false;
  if (!state.deckgl || state.mode !== "colour" || !state.geo) return;
  state.mode = "converting";
  state.deckgl.setProps({ layers: [idLayer(state)] });
}

// RGBA bytes as one little-endian Uint32 (the ImageData's layout seen through a Uint32Array).
const packed = (r, g, b, a) => ((Math.round(a) << 24) | (b << 16) | (g << 8) | r) >>> 0;

// The colour of each area (index + 1; 0 is the background) as deck.gl drew it: the class colour with
// its alpha times the opacity, transparent outside the chosen areas.
function buildLut(state) {
  const d = state.data, n = state.geo.codes.length, opacity = d.opacity === undefined ? 1 : d.opacity;
  const lut = new Uint32Array(n + 1);
  for (let a = 0; a < n; a++) {
    const c = d.cls[a];
    if (c === undefined || c < -1) continue;
    const col = d.grey && d.grey[a] ? d.greycol : c < 0 ? d.nodata : d.pal[c];  // grey: one 2011 shape for several 2021 values
    lut[a + 1] = packed(col[0], col[1], col[2], (col.length > 3 ? col[3] : 255) * opacity);
  }
  state.lut = lut;
  state.lutHover = null;
  highlight(state);
}

// Hover: the highlight colour blended over the area's fill, as deck.gl's autoHighlight does it.
function highlight(state) {
  if (state.lutHover) state.lut[state.lutHover[0]] = state.lutHover[1];
  state.lutHover = null;
  const a = state.hover;
  if (a === null || a === undefined || !state.lut || !state.lut[a + 1]) return;
  const old = state.lut[a + 1], ca = (old >>> 24) / 255, ha = HIGHLIGHT[3] / 255;
  const alpha = ha + ca * (1 - ha), t = ha / alpha;
  const mix = (k) => Math.round(((old >>> (8 * k)) & 255) * (1 - t) + HIGHLIGHT[k] * t);
  state.lut[a + 1] = packed(mix(0), mix(1), mix(2), alpha * 255);
  state.lutHover = [a + 1, old];
}

// Read the frame the areas' deck has just drawn (rows bottom-up in GL) into ids, top row first.
function readIds(state, gl) {
  const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
  if (!state.pixels || state.pixels.length !== 4 * w * h) {
    state.pixels = new Uint8Array(4 * w * h);
    state.ids = new Uint32Array(w * h);
  }
  const bound = gl.getParameter(gl.READ_FRAMEBUFFER_BINDING);
  if (bound) gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, state.pixels);
  if (bound) gl.bindFramebuffer(gl.READ_FRAMEBUFFER, bound);
  const rows = new Uint32Array(state.pixels.buffer);
  for (let y = 0; y < h; y++) state.ids.set(rows.subarray((h - 1 - y) * w, (h - y) * w), y * w);
  state.idSize = [w, h];
  state.idGeo = state.idLayerGeo;
}

// The visible areas: every pixel's colour from its id through the table.
function paint(state) {
  const ids = state.ids, lut = state.lut, canvas = state.paintCanvas;
  if (!ids || !lut || state.idGeo !== state.data.geo) return;
  const [w, h] = state.idSize;
  if (canvas.width !== w || canvas.height !== h || !state.image) {
    canvas.width = w;
    canvas.height = h;
    state.ctx = canvas.getContext("2d");
    state.image = state.ctx.createImageData(w, h);
    state.out = new Uint32Array(state.image.data.buffer);
  }
  const out = state.out, n = lut.length;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] & 0xffffff;
    out[i] = id < n ? lut[id] : 0;
  }
  state.ctx.putImageData(state.image, 0, 0);
  state.paintedVersion = state.version;
}

// Selection rings and the page's overlays are drawn above the areas, on the outline canvas.
function ringLayers(state) {
  const { deck, geo, data } = state;
  const ring = (codes, id, colour, width) => {
    const ids = new Set(codes.map((c) => geo.index.get(c)));
    return new deck.PolygonLayer({
      id, data: geo.parts.filter((p) => ids.has(p.a)), getPolygon: (p) => p.polygon, positionFormat: "XY",
      filled: false, stroked: true, getLineColor: colour, lineWidthMinPixels: width, pickable: false,
    });
  };
  const out = [];
  if ((data.multi || []).length) out.push(ring(data.multi, "multi", [230, 0, 126], 3));
  if ((data.sel || []).length) out.push(ring(data.sel, "selected", [0, 90, 181], 4));
  return out;
}

// LA outlines and labels live on their own transparent canvas above the map (pointer events pass
// through), drawn by a second deck that redraws only when the view moves: a recolour then redraws
// the areas alone (in software WebGL the 1.5 px outline paths cost most of a frame: England 0.98 s
// of 1.25 s). Labels sit there too, above any overlay.
// Dark text on a light box, legible on any class colour (LA names and overlay labels alike).
const LABEL_STYLE = { getColor: [27, 38, 49], getTextAnchor: "middle", background: true, getBackgroundColor: [255, 255, 255, 215],
                      backgroundPadding: [4, 2, 4, 2], characterSet: "auto", fontFamily: "\"Source Sans 3\", \"Source Sans Pro\", Arial, sans-serif", fontWeight: 600 };

function frameLayers(state) {
  const { deck, outline, data } = state;
  const out = [...ringLayers(state)];
  const specs = data.overlays || [];  // labels drawn after (above) the page's other overlays, whatever their order
  for (const spec of [...specs.filter((o) => o.type !== "labels"), ...specs.filter((o) => o.type === "labels")]) {
    const at = spec.type === "labels" && state.placed ? state.placed[`ov-${spec.id}`] || {} : undefined;
    out.push(overlayLayer(deck, spec, state.overHover && state.overHover.layer === `ov-${spec.id}` ? state.overHover.index : -1, at));
  }
  if (!outline) return out;
  const shown = state.placed && (state.placed.la || {});
  const labels = labelledLas(state).filter((i) => !shown || i in shown);
  return [
    ...out,
    new deck.PolygonLayer({
      id: "la-outlines", data: outline.parts, getPolygon: (p) => p.polygon, positionFormat: "XY",
      filled: false, stroked: true, getLineColor: [40, 40, 40], lineWidthMinPixels: 1.5, pickable: false,
    }),
    new deck.TextLayer({
      ...LABEL_STYLE, id: "la-labels", data: labels, getPosition: (i) => [outline.lon[i], outline.lat[i]],
      getText: (i) => outline.names[i], getSize: 14, pickable: false, getPixelOffset: (i) => [0, shown ? shown[i] : 0],
    }),
  ];
}

// The LAs the page asked to label that have a label point (indices into the outline file).
function labelledLas(state) {
  const { outline, data } = state;
  const labelled = new Set(data.labels || []);
  return outline.codes.map((c, i) => (labelled.has(c) && outline.lon[i] !== null ? i : -1)).filter((i) => i >= 0);
}

// Labels do not overlap: each is placed where it is, or up to two lines above or below, where that is clear of the labels
// placed before it (overlay labels first, then LA names), else left out. On the Places map impact-area names
// lay on top of LA names and of each other. Boxes are estimated from the text's length at the label's size.
// Returns {group: {i: pixel offset}}, or null while the view is not known (every label drawn where it is).
function placeLabels(state) {
  const { deck, outline, data, frameView, container } = state;
  if (!frameView || !container.clientWidth) return null;
  const vp = new deck.WebMercatorViewport({ ...frameView, width: container.clientWidth, height: container.clientHeight });
  const placed = [], kept = {};
  const place = (group, i, lon, lat, text, size) => {
    if (lon === null || lon === undefined) return;
    const [x, y] = vp.project([lon, lat]);
    const w = String(text).length * size * 0.52 + 10, h = size * 1.2 + 4;
    for (const dy of [0, -h, h, -2 * h, 2 * h]) {
      const box = [x - w / 2, y + dy - h / 2, x + w / 2, y + dy + h / 2];
      if (placed.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) continue;
      placed.push(box);
      (kept[group] = kept[group] || {})[i] = Math.round(dy);
      return;
    }
  };
  for (const spec of data.overlays || []) {
    if (spec.type === "labels") spec.text.forEach((text, i) => place(`ov-${spec.id}`, i, spec.lon[i], spec.lat[i], text, 13));
  }
  if (outline) for (const i of labelledLas(state)) place("la", i, outline.lon[i], outline.lat[i], outline.names[i], 14);
  state.labelBoxes = placed;  // the boxes kept clear of each other (tests read them)
  return kept;
}

function renderFrame(state, viewState) {
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
  if (viewState) state.frameView = viewState;
  state.placed = placeLabels(state);
  const key = `${state.frameDataKey}|${state.overHover ? `${state.overHover.layer}:${state.overHover.index}` : ""}|${JSON.stringify(state.placed)}`;
  const props = {};
  if (viewState) props.viewState = viewState;
  if (state.frameKey !== key) {
    state.frameKey = key;
    props.layers = frameLayers(state);
    if (!props.layers.length) state.frameDrawnKey = key;  // nothing to draw on it
  }
  if (Object.keys(props).length) state.frameDeck.setProps(props);
}

// A deck has drawn its layers once each of them is loaded.
function allLoaded(deckInstance) {
  const drawn = deckInstance && deckInstance.props.layers;
  return !!(drawn && drawn.length && drawn.every((layer) => layer.isLoaded));
}

// The map counts as drawn for this data once the areas are painted with it and the outline canvas
// shows the current outlines, rings and overlays.
function markDrawn(state) {
  const areas = state.mode === "ids" ? state.paintedVersion : state.colourVersion;  // converting: not yet shown
  if (areas !== state.version || state.frameDrawnKey !== state.frameKey) return;
  if (state.drawnVersion !== state.version) {
    state.drawnVersion = state.version;
    state.root.dataset.drawn = String(state.version);
    state.root.dataset.level = state.data.geo;
    state.drawnAt = performance.now();
    state.timing.drawn = state.timing.drawn || state.drawnAt;
  }
}

// --- Overlays: small layers sent inline per rerun, as columns (flat [lon, lat, ...] coordinates) ---

const OVERLAY_ROWS = new WeakMap();
const colourOf = (spec, i) => (spec.c ? spec.pal[spec.c[i]] : spec.pal[0]);

// A polygon part as rings of flat coordinates -> deck.gl's {positions, holeIndices}.
function polygonOf(rings) {
  if (rings.length === 1) return rings[0];
  const positions = [], holeIndices = [];
  rings.forEach((ring, r) => { if (r) holeIndices.push(positions.length); positions.push(...ring); });
  return { positions, holeIndices };
}

// Drawn on the outline canvas (no pointer events): picked there by position (overlayAt), and the
// hovered feature of a clickable overlay highlighted by index, as autoHighlight did.
function overlayLayer(deck, spec, highlighted = -1, at = undefined) {
  const n = (spec.lon || spec.paths || spec.rings || []).length;
  if (!OVERLAY_ROWS.has(spec)) OVERLAY_ROWS.set(spec, Array.from({ length: n }, (_, i) => i));  // one array per rerun's spec: a hover redraw reuses the attributes
  const rows = at ? Object.keys(at).map(Number) : OVERLAY_ROWS.get(spec);  // labels: those placed, at their offsets
  const common = { id: `ov-${spec.id}`, data: rows, pickable: !!(spec.tip || spec.pick),
                   highlightedObjectIndex: spec.pick ? highlighted : -1, highlightColor: [255, 255, 255, 140] };
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
    getPixelOffset: (i) => [0, at ? at[i] : 0],
  });
}

// The overlay feature at (x, y) on the outline canvas, if any: {layer, index} (the last position asked is
// kept: a pointer move asks for the hover and the tooltip).
function overlayAt(state, x, y) {
  const ids = Object.keys(state.overlays || {}).filter((id) => state.overlays[id].tip || state.overlays[id].pick);
  if (!ids.length || !state.frameDeck || x === undefined || x < 0) return null;
  const key = `${x},${y},${state.frameKey}`;
  if (state.overAtKey !== key) {
    const info = state.frameDeck.pickObject({ x, y, radius: 0, layerIds: ids });
    state.overAtKey = key;
    state.overAt = info && info.layer && info.index >= 0 ? { layer: info.layer.id, index: info.index } : null;
  }
  return state.overAt;
}

function overlayTip(state, hit) {
  const spec = hit && state.overlays[hit.layer];
  if (!spec) return null;
  return spec.tip && spec.tip[hit.index] ? String(spec.tip[hit.index]) : "";
}

function hover(state, info) {
  const hit = overlayAt(state, info.x, info.y);
  const area = !hit && info.object && info.layer && info.layer.id === "areas" ? info.object.a : null;
  if (area !== state.hover) {
    state.hover = area;
    if (state.lut) { highlight(state); paint(state); }
  }
  const over = hit && state.overlays[hit.layer].pick ? hit : null;
  const was = state.overHover;
  if ((over && over.layer) !== (was && was.layer) || (over && over.index) !== (was && was.index)) {
    state.overHover = over;
    renderFrame(state);
  }
}

function pick(state, info, event) {
  const hit = overlayAt(state, info.x, info.y);
  if (hit) {  // a feature of an overlay: {layer, id} when the overlay is clickable
    const spec = state.overlays[hit.layer];
    if (spec.pick && spec.ids) state.setTriggerValue("pick", { layer: spec.id, id: spec.ids[hit.index], n: Date.now() });
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
  const props = {};
  // New geometry: drawn in colour first, as ids when idle. The canvases swap in the task that draws its
  // colour frame (onAfterRender), not here: until then the deck's canvas still holds the last id frame.
  if (state.idLayerGeo !== state.data.geo) {
    state.idLayerGeo = state.data.geo;
    state.mode = "colour";
  }
  if (bounds && state.boundsKey !== boundsKey) {
    state.boundsKey = boundsKey;
    props.initialViewState = fitView(state.deck, bounds, el.clientWidth, el.clientHeight);
    state.fitWidth = el.clientWidth;
  }
  const d = state.data;
  state.overlays = Object.fromEntries((d.overlays || []).map((spec) => [`ov-${spec.id}`, spec]));
  state.frameDataKey = [d.outline, JSON.stringify(d.labels || []), JSON.stringify(d.sel || []), JSON.stringify(d.multi || []),
                        JSON.stringify(d.overlays || [])].join("|");
  buildLut(state);
  if (state.mode === "colour") props.layers = [colourLayer(state)];
  if (Object.keys(props).length) state.deckgl.setProps(props);  // shown after that frame (onAfterRender)
  else if (state.mode === "ids") paint(state);
  renderFrame(state, props.initialViewState);
  markDrawn(state);
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
        const canvas = document.createElement("canvas");  // the id image: invisible, takes the pointer events
        canvas.className = "sna-map-ids";
        state.idCanvas = canvas;
        state.paintCanvas = document.createElement("canvas");  // the areas people see
        state.paintCanvas.className = "sna-map-paint";
        state.container.insertBefore(canvas, state.frame);
        state.container.insertBefore(state.paintCanvas, state.frame);
        state.deckgl = new deck.Deck({
          // No multisampling on the id canvas: every pixel must be exactly one area's id (and in software
          // WebGL multisampling made each frame 3x slower). The LA outlines and labels keep it on theirs.
          canvas, deviceProps: { type: "webgl", antialias: false }, controller: { doubleClickZoom: true, touchRotate: false, dragRotate: false },
          views: new deck.MapView({ repeat: false }), initialViewState: { longitude: -1.9, latitude: 52.5, zoom: 8 },
          getTooltip: (info) => {
            const over = overlayTip(state, overlayAt(state, info.x, info.y));
            const text = over !== null ? over : info && info.object ? tooltipText(state, info.object.a) : null;
            // Text, never HTML; flipped to the left or above the pointer so it stays inside the map.
            const w = state.container.clientWidth, h = state.container.clientHeight;
            const dx = info.x > w / 2 ? "calc(-100% - 12px)" : "12px", dy = info.y > h / 2 ? "calc(-100% - 12px)" : "12px";
            return text && { text, style: { backgroundColor: "#1b2631", color: "white", fontSize: "13px", whiteSpace: "pre-line",
                                            maxWidth: `${Math.max(160, Math.min(320, w - 40))}px`, transform: `translate(${info.x}px, ${info.y}px) translate(${dx}, ${dy})` } };
          },
          onHover: (info) => hover(state, info),
          onClick: (info, event) => pick(state, info, event),
          onViewStateChange: ({ viewState }) => { if (state.frameDeck) renderFrame(state, viewState); },
          getCursor: ({ isHovering }) => (isHovering ? "pointer" : "grab"),
          onAfterRender: ({ gl }) => {
            if (!allLoaded(state.deckgl)) return;
            if (state.mode === "colour") {  // a colour frame: shown as drawn
              showIds(state, false);
              state.colourVersion = state.version;
              markDrawn(state);
              if (!state.toIdsPending) {
                state.toIdsPending = true;
                (globalThis.requestIdleCallback || setTimeout)(() => toIds(state), { timeout: 500 });
              }
              return;
            }
            const t0 = performance.now();
            readIds(state, gl);
            const t1 = performance.now();
            paint(state);
            if (state.mode === "converting") showIds(state, true);  // in this task: the id frame is never shown
            state.idFrames = (state.idFrames || 0) + 1;
            state.idTiming = { read: t1 - t0, paint: performance.now() - t1 };  // bench_map prints them
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

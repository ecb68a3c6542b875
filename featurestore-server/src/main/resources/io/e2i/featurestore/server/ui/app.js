// The feature discovery UI: plain JavaScript over the feature server's own API (issue 14).
// Hash routes: #/ (groups), #/group/G, #/feature/G/F, #/training-sets[/OFFSET]. No build step, no CDN.
"use strict";
(function () {
  const KEY = "fs.apiKey";
  const main = document.getElementById("main");
  const search = document.getElementById("search");
  const panel = document.getElementById("search-panel");
  const results = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  const dialog = document.getElementById("key-dialog");
  let paths = null; // the server's OpenAPI paths: which optional panels it can fill
  let searchSeq = 0;

  // ------------------------------------------------------------------ API

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, payload) {
    const headers = { Accept: "application/json" };
    const key = sessionStorage.getItem(KEY);
    if (key) headers.Authorization = "Bearer " + key;
    const init = { headers };
    if (payload !== undefined) { init.method = "POST"; headers["Content-Type"] = "application/json"; init.body = JSON.stringify(payload); }
    const res = await fetch(path, init);
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) {
      const msg = body && body.error ? body.error.message : res.statusText;
      if (res.status === 401) askKey(key ? "The key was refused: " + msg : "This server requires an API key with read scope.");
      throw new ApiError(res.status, msg);
    }
    return body;
  }

  async function has(path) {
    if (!paths) {
      try { paths = (await api("/openapi.json")).paths || {}; } catch (e) { paths = {}; }
    }
    return Object.prototype.hasOwnProperty.call(paths, path);
  }

  // ------------------------------------------------------------------ helpers

  const esc = (v) => String(v == null ? "" : v).replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const enc = encodeURIComponent;
  // Numbers to 6 significant digits; tiny ones (p-values) in exponent form rather than 40 zeros.
  const fmt = (v) => v == null ? "—" : typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString("en-US") :
    v !== 0 && Math.abs(v) < 1e-4 ? Number(v.toPrecision(6)).toExponential() : v.toLocaleString("en-US", { maximumSignificantDigits: 6 })) : esc(v);
  const tags = (list) => (list || []).map((t) => `<span class="tag">${esc(t)}</span>`).join("");
  const groupLink = (g) => `<a href="#/group/${enc(g)}">${esc(g)}</a>`;
  const featureLink = (g, f, label) => `<a href="#/feature/${enc(g)}/${enc(f)}">${esc(label || f)}</a>`;
  const na = (what) => `<p class="na" data-na="${esc(what)}">${esc(what)}: not available on this server.</p>`;

  function show(html, title) {
    main.innerHTML = html;
    document.title = (title ? title + " · " : "") + "E2I Feature Store";
    const h1 = main.querySelector("h1");
    if (h1) { h1.setAttribute("tabindex", "-1"); h1.focus({ preventScroll: true }); }
  }

  function fail(e) {
    if (e instanceof ApiError && e.status === 401) {
      show(`<h1>API key needed</h1><p>This server requires an API key with read scope. <button type="button" class="link" id="ask">Enter a key</button></p>`, "API key");
      document.getElementById("ask").addEventListener("click", () => askKey());
      return;
    }
    show(`<h1>Error</h1><p class="error" role="alert">${esc(e.message)}</p>`, "Error");
  }

  function definitionList(pairs) {
    return `<dl class="def">${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
  }

  // ------------------------------------------------------------------ API key

  function askKey(reason) {
    if (reason) document.getElementById("key-reason").textContent = reason + " The key is kept in this tab only and sent as Authorization: Bearer.";
    if (!dialog.open) dialog.showModal();
    document.getElementById("key-input").focus();
  }
  document.getElementById("key-button").addEventListener("click", () => askKey());
  dialog.addEventListener("close", () => {
    const input = document.getElementById("key-input");
    if (dialog.returnValue === "save" && input.value.trim()) sessionStorage.setItem(KEY, input.value.trim());
    if (dialog.returnValue === "clear") sessionStorage.removeItem(KEY);
    input.value = "";
    paths = null;
    if (dialog.returnValue !== "cancel") route();
  });

  // ------------------------------------------------------------------ search as you type

  let timer = null;
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(runSearch, 120); });
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { const a = results.querySelector("a"); if (a) { ev.preventDefault(); a.focus(); } }
    if (ev.key === "Escape") { search.value = ""; runSearch(); }
  });
  results.addEventListener("keydown", (ev) => {
    const links = [...results.querySelectorAll("a")];
    const i = links.indexOf(document.activeElement);
    if (ev.key === "ArrowDown" && i < links.length - 1) { ev.preventDefault(); links[i + 1].focus(); }
    if (ev.key === "ArrowUp") { ev.preventDefault(); (i > 0 ? links[i - 1] : search).focus(); }
    if (ev.key === "Escape") { search.focus(); }
  });
  results.addEventListener("click", () => { panel.hidden = true; });

  async function runSearch() {
    const q = search.value.trim();
    const seq = ++searchSeq;
    if (!q) { panel.hidden = true; results.innerHTML = ""; status.textContent = ""; return; }
    try {
      const r = await api("/api/v1/search?limit=25&q=" + enc(q));
      if (seq !== searchSeq) return; // a newer keystroke's answer wins
      panel.hidden = false;
      status.textContent = r.total === 0 ? `No group or feature matches “${q}”.` :
        `${r.total} match${r.total === 1 ? "" : "es"}${r.total > r.results.length ? ", best " + r.results.length + " shown" : ""}.`;
      results.innerHTML = r.results.map((h) => `<li><a href="${h.kind === "group" ? "#/group/" + enc(h.group) : "#/feature/" + enc(h.group) + "/" + enc(h.name)}" data-score="${h.score}">
        <span class="kind">${h.kind}</span><strong>${esc(h.kind === "group" ? h.name : h.group + ":" + h.name)}</strong>
        ${h.value_type ? `<span class="muted"> ${esc(h.value_type)} · v${h.version}</span>` : ""}
        ${h.owner ? `<span class="muted"> · ${esc(h.owner)}</span>` : ""} ${tags(h.tags)}
        ${h.description ? `<br><span class="muted">${esc(h.description)}</span>` : ""}</a></li>`).join("");
    } catch (e) {
      if (seq !== searchSeq) return;
      panel.hidden = false;
      status.textContent = "Search failed: " + e.message;
      results.innerHTML = "";
    }
  }

  // ------------------------------------------------------------------ pages

  async function home() {
    const [groups, sets] = await Promise.all([api("/api/v1/feature-groups"), api("/api/v1/training-sets?limit=1")]);
    const list = groups.feature_groups;
    show(`<h1>Feature groups</h1>
      <p class="muted" id="summary"><span id="group-count">${list.length}</span> groups · <a href="#/training-sets"><span id="set-count">${fmt(sets.total != null ? sets.total : sets.training_sets.length)}</span> saved training sets</a>. Type in the search box to find features by name, tag, owner or description.</p>
      <ul class="grid" id="groups">${list.map((g) => `<li class="card"><h3>${groupLink(g.name)}</h3>
        <p class="muted">${esc(g.description || "")}</p>
        <p>${g.owner ? "Owner: " + esc(g.owner) + " " : ""}${tags(g.tags)}</p></li>`).join("")}</ul>`, "Groups");
  }

  async function groupPage(name) {
    const [g, fs] = await Promise.all([
      api("/api/v1/feature-groups/" + enc(name)),
      api("/api/v1/feature-groups/" + enc(name) + "/features")]);
    const features = fs.features;
    show(`<h1>Group ${esc(g.name)}</h1>
      <div class="cols"><section class="panel" aria-labelledby="def-h"><h2 id="def-h">Definition</h2>${definitionList([
        ["description", esc(g.description || "—")], ["owner", esc(g.owner || "—")], ["tags", tags(g.tags) || "—"],
        ["source table", g.source_table ? `<a href="#/lineage/${enc("table:" + g.source_table)}">${esc(g.source_table)}</a>` : "—"],
        ["expected update", g.expected_update_frequency_hours == null ? "—" : g.expected_update_frequency_hours + " h"],
        ["max age", g.max_age_hours == null ? "—" : g.max_age_hours + " h"],
        ["validation", esc(g.validation || "reject (default)")], ["schedule", esc(g.schedule || "—")],
        ["MLflow experiment", esc(g.mlflow_experiment_name || "—")], ["created", esc(g.created_at || "—")]])}</section>
      <section class="panel" aria-labelledby="fresh-h"><h2 id="fresh-h">Freshness</h2><div id="freshness"><p class="muted">Loading…</p></div></section></div>
      <h2 id="features-h">Features (<span id="feature-count">${features.length}</span>)</h2>
      <div class="table-wrap"><table aria-labelledby="features-h" id="features"><thead><tr><th scope="col">name</th><th scope="col">type</th><th scope="col" class="num">version</th><th scope="col">entity keys</th><th scope="col">owner</th><th scope="col">tags</th><th scope="col">description</th></tr></thead>
      <tbody>${features.map((f) => `<tr><td>${featureLink(g.name, f.name)}</td><td>${esc(f.value_type)}</td><td class="num">${f.version}</td><td>${esc(f.entity_keys.join(", "))}</td><td>${esc(f.owner || "")}</td><td>${tags(f.tags)}</td><td>${esc(f.description || "")}</td></tr>`).join("")}</tbody></table></div>
      <section class="panel" aria-labelledby="mat-h"><h2 id="mat-h">Materialization runs</h2><div id="materializations"><p class="muted">Loading…</p></div></section>
      <section class="panel" aria-labelledby="drift-h"><h2 id="drift-h">Drift status</h2><div id="drift"><p class="muted">Loading…</p></div></section>`, g.name);
    freshnessPanel(g.name);
    materializationPanel(g.name);
    driftPanel(g.name, null);
  }

  async function freshnessPanel(group) {
    const el = document.getElementById("freshness");
    try {
      const rows = (await api("/api/v1/freshness")).data.filter((r) => r.feature_group === group);
      const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
      el.innerHTML = rows.length === 0 ? `<p class="muted">No values stored yet.</p>` :
        `<p><span class="status-ok">fresh <strong id="fresh-total">${fmt(sum("fresh_count"))}</strong></span> ·
          <span class="status-warn">stale <strong id="stale-total">${fmt(sum("stale_count"))}</strong></span> ·
          <span class="status-bad">expired <strong id="expired-total">${fmt(sum("expired_count"))}</strong></span> (latest value per entity and feature)</p>
        <div class="table-wrap"><table><caption class="visually-hidden">Freshness per feature</caption><thead><tr><th scope="col">feature</th><th scope="col" class="num">fresh</th><th scope="col" class="num">stale</th><th scope="col" class="num">expired</th><th scope="col">last event</th></tr></thead><tbody>
        ${rows.map((r) => `<tr><td>${featureLink(group, r.feature_name)}</td><td class="num">${fmt(r.fresh_count)}</td><td class="num">${fmt(r.stale_count)}</td><td class="num">${fmt(r.expired_count)}</td><td>${esc(r.last_event_timestamp || "—")}</td></tr>`).join("")}</tbody></table></div>`;
    } catch (e) { el.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
  }

  async function materializationPanel(group) {
    const el = document.getElementById("materializations");
    if (!(await has("/api/v1/materializations"))) { el.innerHTML = na("Materialization runs"); return; }
    try {
      const r = await api("/api/v1/materializations?group=" + enc(group));
      const runs = r.materializations || r.runs || r.data || [];
      el.innerHTML = runs.length === 0 ? `<p class="muted">No runs yet.</p>` :
        `<div class="table-wrap"><table><thead><tr><th scope="col">started</th><th scope="col">status</th><th scope="col" class="num">rows</th><th scope="col">duration</th><th scope="col">error</th></tr></thead><tbody>${runs.map((m) =>
          `<tr><td>${esc(m.started_at || m.start || "")}</td><td>${esc(m.status)}</td><td class="num">${fmt(m.rows)}</td><td>${esc(m.duration_ms != null ? m.duration_ms + " ms" : m.duration || "")}</td><td>${esc(m.error || "")}</td></tr>`).join("")}</tbody></table></div>`;
    } catch (e) { el.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
  }

  async function driftPanel(group, feature) {
    const el = document.getElementById("drift");
    if (!(await has("/api/v1/drift"))) { el.innerHTML = na("Drift status"); return; }
    try {
      const r = await api("/api/v1/drift");
      const all = r.drift || r.results || r.data || [];
      const rows = all.filter((d) => (d.feature_group || d.group) === group && (!feature || (d.feature_name || d.feature) === feature));
      el.innerHTML = rows.length === 0 ? `<p class="muted">No drift checks yet.</p>` :
        `<div class="table-wrap"><table><thead><tr><th scope="col">feature</th><th scope="col">status</th><th scope="col" class="num">PSI</th><th scope="col" class="num">KS</th><th scope="col">checked</th></tr></thead><tbody>${rows.map((d) =>
          `<tr><td>${esc(d.feature_name || d.feature)}</td><td class="status-${esc(d.status)}">${esc(d.status)}</td><td class="num">${fmt(d.psi)}</td><td class="num">${fmt(d.ks)}</td><td>${esc(d.checked_at || d.computed_at || "")}</td></tr>`).join("")}</tbody></table></div>`;
    } catch (e) { el.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
  }

  async function featurePage(group, name) {
    const base = "/api/v1/feature-groups/" + enc(group) + "/features/" + enc(name);
    const versions = (await api(base + "/versions")).versions;
    const latest = versions[versions.length - 1];
    const ref = `${group}:${name}@${latest.version}`;
    const rows = [["value type", (f) => esc(f.value_type)], ["entity keys", (f) => esc(f.entity_keys.join(", "))],
      ["computation", (f) => f.computation_query ? `<code>${esc(f.computation_query)}</code>` : f.expression ? `<code>${esc(f.expression)}</code> (CEL, on demand)` : "—"],
      ["description", (f) => esc(f.description || "—")], ["owner", (f) => esc(f.owner || "—")], ["tags", (f) => tags(f.tags) || "—"],
      ["created", (f) => esc(f.created_at)], ["MLflow run", (f) => esc(f.mlflow_run_id || "—")]];
    show(`<h1>${esc(group)}:${esc(name)}</h1>
      <p class="muted">in group ${groupLink(group)} · latest version <strong id="latest-version">${latest.version}</strong> of ${versions.length}</p>
      <h2 id="versions-h">Versions</h2>
      <div class="table-wrap"><table aria-labelledby="versions-h" id="versions"><thead><tr><th scope="col"></th>${versions.map((v) => `<th scope="col">v${v.version}</th>`).join("")}</tr></thead>
      <tbody>${rows.map(([label, cell]) => `<tr><th scope="row">${label}</th>${versions.map((v) => `<td>${cell(v)}</td>`).join("")}</tr>`).join("")}</tbody></table></div>
      <h2 id="stats-h">Statistics (v${latest.version})</h2>${statistics(latest)}
      <section class="panel" aria-labelledby="con-h"><h2 id="con-h">Constraints and validation</h2>
      <div class="cols"><div>${constraints(latest)}</div><div id="validation"><p class="muted">Loading…</p></div></div></section>
      <section class="panel" aria-labelledby="drift-h"><h2 id="drift-h">Drift over time</h2><div id="drift"><p class="muted">Loading…</p></div></section>
      <h2 id="lineage-h">Lineage</h2>
      <div class="tabs"><label for="lineage-version">Version</label> <select id="lineage-version">${versions.map((v) => `<option value="${v.version}"${v.version === latest.version ? " selected" : ""}>v${v.version}</option>`).join("")}</select>
      <span role="group" aria-label="Lineage direction">${["both", "upstream", "downstream"].map((d, i) => `<button type="button" data-dir="${d}" aria-pressed="${i === 0}">${d}</button>`).join(" ")}</span></div>
      <div id="lineage" class="lineage"><p class="muted">Loading…</p></div>
      <h2>Read it</h2>${snippets(group, latest)}`, `${group}:${name}`);
    const select = document.getElementById("lineage-version");
    const redraw = () => {
      const pressed = main.querySelector(".tabs button[aria-pressed=true]");
      lineagePanel(`feature:${group}:${name}@${select.value}`, pressed ? pressed.dataset.dir : "both");
    };
    main.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => {
      main.querySelectorAll(".tabs button").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
      redraw();
    }));
    select.addEventListener("change", redraw);
    redraw();
    driftHistoryPanel(group, name);
    validationPanel(group, name, 30);
  }

  function statistics(f) {
    const s = f.statistics || {};
    if (!s.count && s.count !== 0) return `<p class="muted" id="no-stats">No statistics computed yet (<code>featurestore stats ${esc(f.feature_group)} ${esc(f.name)}</code> or <code>POST …/statistics</code>).</p>`;
    const numbers = [["count", s.count], ["nulls", s.nulls], ["distinct", s.distinct], ["min", s.min], ["max", s.max], ["mean", s.mean], ["stddev", s.stddev], ["p50", s.p50], ["p90", s.p90], ["p99", s.p99]].filter(([, v]) => v !== undefined);
    return `<div class="cols"><div>${definitionList(numbers.map(([k, v]) => [k, `<span data-stat="${k}">${fmt(v)}</span>`]))}<p class="muted">computed ${esc(s.computed_at || "")}</p></div>
      <div>${histogram(s)}</div></div>`;
  }

  // A bar chart drawn as SVG: numeric buckets, or the top values of other types.
  function histogram(s) {
    const bars = (s.histogram && s.histogram.length) ? s.histogram.map((b) => ({ label: `${fmt(b.lower)} – ${fmt(b.upper)}`, count: b.count }))
      : (s.top_values || []).map((t) => ({ label: String(t.value), count: t.count }));
    if (!bars.length) return `<p class="muted">No distribution to draw.</p>`;
    const w = 480, h = 200, pad = 28, max = Math.max(...bars.map((b) => b.count)) || 1, bw = (w - pad) / bars.length;
    const rects = bars.map((b, i) => {
      const bh = Math.round((h - pad) * b.count / max);
      return `<g><title>${esc(b.label)}: ${b.count}</title><rect x="${pad + i * bw + 1}" y="${h - pad - bh}" width="${Math.max(1, bw - 2)}" height="${bh}" fill="#1f5f99" data-count="${b.count}"></rect></g>`;
    }).join("");
    const kind = s.histogram && s.histogram.length ? "Histogram" : "Top values";
    return `<figure><svg id="histogram" viewBox="0 0 ${w} ${h}" role="img" aria-labelledby="hist-cap">${rects}
      <line x1="${pad}" y1="${h - pad}" x2="${w}" y2="${h - pad}" stroke="#57606a"></line>
      <text x="${pad - 4}" y="12" text-anchor="end" font-size="11">${max}</text><text x="${pad - 4}" y="${h - pad}" text-anchor="end" font-size="11">0</text>
      <text x="${pad}" y="${h - 8}" font-size="11">${esc(bars[0].label)}</text><text x="${w}" y="${h - 8}" text-anchor="end" font-size="11">${esc(bars[bars.length - 1].label)}</text></svg>
      <figcaption id="hist-cap" class="muted">${kind} of stored values (${bars.length} bars)</figcaption></figure>
      <details><summary>${kind} as a table</summary><table><thead><tr><th scope="col">bucket</th><th scope="col" class="num">count</th></tr></thead><tbody>${bars.map((b) => `<tr><td>${esc(b.label)}</td><td class="num">${fmt(b.count)}</td></tr>`).join("")}</tbody></table></details>`;
  }

  function constraints(f) {
    const c = f.constraints || {};
    const rules = Object.entries(c).filter(([, v]) => v != null && !(Array.isArray(v) && v.length === 0));
    const mode = f.validation || "the group's (reject by default)";
    return (rules.length ? definitionList(rules.map(([k, v]) => [k, `<code>${esc(JSON.stringify(v))}</code>`])) : `<p class="muted" id="no-constraints">No constraints declared.</p>`) +
      `<p>Validation mode: ${esc(mode)}</p>`;
  }

  // The group's validation report over a window the user picks, narrowed to this feature.
  const WINDOWS = [[1, "last day"], [7, "last 7 days"], [30, "last 30 days"], [90, "last 90 days"], [0, "all time"]];
  let validationSeq = 0;
  async function validationPanel(group, name, days) {
    const el = document.getElementById("validation");
    if (!el) return;
    if (!(await has("/api/v1/feature-groups/{group}/validate"))) { el.innerHTML = na("Validation results"); return; }
    const seq = ++validationSeq;
    const start = days ? new Date(Date.now() - days * 86400000).toISOString() : null;
    const picker = `<p class="tabs"><label for="validation-window">Values with event times in</label> <select id="validation-window">${WINDOWS.map(([d, l]) =>
      `<option value="${d}"${d === days ? " selected" : ""}>${l}</option>`).join("")}</select></p>`;
    let body;
    try {
      const report = await api("/api/v1/feature-groups/" + enc(group) + "/validate", start ? { start } : {});
      const f = (report.features || []).find((x) => x.feature_name === name);
      body = f ? validationResult(f, report) : `<p class="muted">The report has no entry for this feature.</p>`;
    } catch (e) { body = `<p class="error">${esc(e.message)}</p>`; }
    if (seq !== validationSeq) return; // the last window picked wins
    el.innerHTML = picker + body;
    document.getElementById("validation-window").addEventListener("change", (ev) => validationPanel(group, name, Number(ev.target.value)));
  }

  const entity = (e) => e && typeof e === "object" ? Object.entries(e).map(([k, v]) => `${k}=${v}`).join(", ") : String(e);

  function validationResult(f, report) {
    const rules = f.rules || [];
    const table = rules.length === 0 ? `<p class="muted">No constraint to check: every value passes.</p>` :
      `<div class="table-wrap"><table id="validation-rules"><caption class="visually-hidden">Violations per constraint</caption><thead><tr><th scope="col">constraint</th><th scope="col" class="num">violations</th><th scope="col">example entities</th></tr></thead><tbody>${rules.map((r) =>
        `<tr data-constraint="${esc(r.constraint)}"><th scope="row"><code>${esc(r.constraint)}</code></th><td class="num ${r.violations ? "status-bad" : "status-ok"}" data-violations="${r.violations}">${fmt(r.violations)}</td>
        <td>${(r.examples || []).length ? `<ul class="examples">${r.examples.map((x) => `<li><code>${esc(entity(x))}</code></li>`).join("")}</ul>` : "—"}</td></tr>`).join("")}</tbody></table></div>`;
    return `<p id="validation-summary">v${f.version}: <strong id="validation-checked">${fmt(f.checked)}</strong> values checked, <strong id="validation-nulls">${fmt(f.nulls)}</strong> null,
      <strong id="validation-violations" class="${f.violations ? "status-bad" : "status-ok"}">${fmt(f.violations)}</strong> violation${f.violations === 1 ? "" : "s"} (mode ${esc(f.validation)}).</p>
      ${table}<p class="muted">Report computed ${esc(report.computed_at)}; <code>POST /api/v1/feature-groups/${esc(report.feature_group)}/validate</code>.</p>`;
  }

  // ------------------------------------------------------------------ drift over time

  const STATUS_COLOUR = { ok: "#1a7f37", warn: "#9a6700", drift: "#cf222e", no_data: "#8c959f" };
  const when = (iso) => iso ? String(iso).replace("T", " ").replace(/(\.\d+)?Z$/, " UTC") : "—";

  async function driftHistoryPanel(group, name) {
    const el = document.getElementById("drift");
    if (!(await has("/api/v1/feature-groups/{group}/features/{name}/drift/history"))) { el.innerHTML = na("Drift over time"); return; }
    try {
      const h = await api("/api/v1/feature-groups/" + enc(group) + "/features/" + enc(name) + "/drift/history?limit=50");
      const runs = h.results || [];
      el.innerHTML = runs.length === 0 ? `<p class="muted" id="no-drift">No drift checks yet: monitors run every <code>FS_DRIFT_INTERVAL_MINUTES</code>, or <code>POST /api/v1/feature-groups/${esc(group)}/drift/run</code>.</p>` :
        driftChart(runs.slice().reverse()) + driftTable(runs);
    } catch (e) { el.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
  }

  // PSI per run, oldest to newest left to right, with the latest thresholds as dashed lines.
  function driftChart(runs) {
    const w = 560, h = 220, left = 48, right = 12, top = 12, bottom = 34;
    const th = runs[runs.length - 1].thresholds || {};
    const psis = runs.map((r) => r.psi).filter((v) => v != null);
    const ymax = Math.max(...psis, (th.psi_drift || 0) * 1.25, 0.01);
    const times = runs.map((r) => Date.parse(r.computed_at));
    const t0 = Math.min(...times), t1 = Math.max(...times);
    const x = (t) => t1 === t0 ? left + (w - left - right) / 2 : left + (w - left - right) * (t - t0) / (t1 - t0);
    const y = (v) => top + (h - top - bottom) * (1 - v / ymax);
    // Warn's label sits under its line at the left, drift's over its line at the right: apart when close.
    const line = (v, colour, label, id, below) => v == null ? "" : `<g id="${id}"><line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="${colour}" stroke-dasharray="5 4"></line>
      <text x="${below ? left + 4 : w - right}" y="${below ? y(v) + 12 : y(v) - 3}" text-anchor="${below ? "start" : "end"}" font-size="11" fill="${colour}">${label} ${fmt(v)}</text></g>`;
    const pts = runs.map((r, i) => ({ r, x: x(times[i]) })).filter((p) => p.r.psi != null);
    const path = pts.length > 1 ? `<polyline points="${pts.map((p) => `${p.x.toFixed(1)},${y(p.r.psi).toFixed(1)}`).join(" ")}" fill="none" stroke="#8c959f"></polyline>` : "";
    const dots = runs.map((r, i) => r.psi == null ?
      `<g class="no-data"><title>${esc(when(r.computed_at))}: no data</title><text x="${x(times[i])}" y="${h - bottom - 2}" text-anchor="middle" font-size="12" fill="${STATUS_COLOUR.no_data}">×</text></g>` :
      `<circle cx="${x(times[i]).toFixed(1)}" cy="${y(r.psi).toFixed(1)}" r="4.5" fill="${STATUS_COLOUR[r.status] || "#57606a"}" data-psi="${r.psi}" data-status="${esc(r.status)}"><title>${esc(when(r.computed_at))}: PSI ${fmt(r.psi)}, ${esc(r.status)}</title></circle>`).join("");
    const latest = runs[runs.length - 1];
    return `<figure><svg id="drift-chart" viewBox="0 0 ${w} ${h}" role="img" aria-labelledby="drift-cap">
      <line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="#57606a"></line><line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="#57606a"></line>
      <text x="${left - 4}" y="${top + 10}" text-anchor="end" font-size="11">${fmt(Number(ymax.toPrecision(2)))}</text><text x="${left - 4}" y="${h - bottom}" text-anchor="end" font-size="11">0</text>
      <text x="12" y="${(h - bottom) / 2}" font-size="11" transform="rotate(-90 12 ${(h - bottom) / 2})" text-anchor="middle">PSI</text>
      ${line(th.psi_warn, STATUS_COLOUR.warn, "warn", "drift-warn", true)}${line(th.psi_drift, STATUS_COLOUR.drift, "drift", "drift-drift", false)}${path}${dots}
      <text x="${left}" y="${h - 10}" font-size="11">${esc(when(runs[0].computed_at))}</text><text x="${w - right}" y="${h - 10}" text-anchor="end" font-size="11">${esc(when(latest.computed_at))}</text></svg>
      <figcaption id="drift-cap" class="muted">PSI of the last ${runs.length} drift check${runs.length === 1 ? "" : "s"}; dashed lines: warn at ${fmt(th.psi_warn)}, drift at ${fmt(th.psi_drift)}; latest status <strong class="status-${esc(latest.status)}">${esc(latest.status)}</strong>.
      Colours: <span class="status-ok">ok</span>, <span class="status-warn">warn</span>, <span class="status-drift">drift</span>, × no data.</figcaption></figure>`;
  }

  function driftTable(runs) {
    return `<details open><summary>Drift checks as a table (newest first)</summary><div class="table-wrap"><table id="drift-history"><caption class="visually-hidden">Drift checks of this feature, newest first</caption>
      <thead><tr><th scope="col">time</th><th scope="col" class="num">PSI</th><th scope="col" class="num">KS p-value</th><th scope="col">status</th></tr></thead><tbody>${runs.map((r) =>
      `<tr><td><time datetime="${esc(r.computed_at)}">${esc(when(r.computed_at))}</time></td><td class="num" data-psi="${r.psi == null ? "" : r.psi}">${fmt(r.psi)}</td>
      <td class="num" data-ks-p="${r.ks_p_value == null ? "" : r.ks_p_value}">${fmt(r.ks_p_value)}</td><td class="status-${esc(r.status)}">${esc(r.status.replace("_", " "))}</td></tr>`).join("")}</tbody></table></div></details>`;
  }

  let lineageSeq = 0;
  async function lineagePanel(node, direction) {
    const el = document.getElementById("lineage");
    const seq = ++lineageSeq;
    try {
      const g = await api("/api/v1/lineage?depth=10&direction=" + direction + "&node=" + enc(node));
      if (seq === lineageSeq) el.innerHTML = lineageSvg(g, node); // the last choice wins
    } catch (e) { if (seq === lineageSeq) el.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
  }

  const ORDER = ["source_table", "computation", "feature_version", "training_set", "run"];
  const LABEL = { source_table: "source table", computation: "computation", feature_version: "feature version", training_set: "training set", run: "run" };

  function nodeHref(n) {
    if (n.type === "feature_version" && n.attributes.group) return `#/feature/${enc(n.attributes.group)}/${enc(n.attributes.feature)}`;
    if (n.type === "training_set") return `#/training-sets#ts-${enc(n.name)}`;
    return `#/lineage/${enc(n.id)}`;
  }

  // Columns by kind, left to right along the data flow; edges as curves between them.
  function lineageSvg(g, focus) {
    const cols = ORDER.map((t) => g.nodes.filter((n) => n.type === t)).filter((c) => c.length);
    const colW = 210, rowH = 46, boxW = 180, boxH = 32;
    const height = Math.max(...cols.map((c) => c.length)) * rowH + 30, width = cols.length * colW;
    const pos = {};
    cols.forEach((c, ci) => c.forEach((n, ri) => { pos[n.id] = { x: ci * colW + 10, y: ri * rowH + 26 }; }));
    const edges = g.edges.filter((e) => pos[e.from] && pos[e.to]).map((e) => {
      const a = pos[e.from], b = pos[e.to], x1 = a.x + boxW, y1 = a.y + boxH / 2, x2 = b.x, y2 = b.y + boxH / 2, mx = (x1 + x2) / 2;
      return `<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" fill="none" stroke="#8c959f" marker-end="url(#arrow)"><title>${esc(e.from)} ${esc(e.kind)} ${esc(e.to)}</title></path>`;
    }).join("");
    const heads = cols.map((c, ci) => `<text x="${ci * colW + 10}" y="14" font-size="12" fill="#57606a">${LABEL[c[0].type]}</text>`).join("");
    const boxes = g.nodes.filter((n) => pos[n.id]).map((n) => {
      const p = pos[n.id], text = n.name.length > 26 ? n.name.slice(0, 25) + "…" : n.name;
      return `<a href="${nodeHref(n)}" aria-label="${esc(LABEL[n.type] + " " + n.name)}"><g data-node="${esc(n.id)}"><title>${esc(n.id)}${n.attributes.query ? "\n" + esc(n.attributes.query) : ""}</title>
        <rect x="${p.x}" y="${p.y}" width="${boxW}" height="${boxH}" rx="6" fill="${n.id === focus ? "#fff8c5" : "#f6f8fa"}" stroke="${n.id === focus ? "#9a6700" : "#d0d7de"}"></rect>
        <text x="${p.x + 8}" y="${p.y + 20}" font-size="12" fill="#1b1f24">${esc(text)}</text></g></a>`;
    }).join("");
    const sets = g.nodes.filter((n) => n.type === "training_set").length, runs = g.nodes.filter((n) => n.type === "run").length;
    return `<p id="lineage-summary">${g.nodes.length} nodes, ${g.edges.length} edges: <strong id="lineage-sets">${sets}</strong> training sets and <strong id="lineage-runs">${runs}</strong> runs.</p>
      <svg id="lineage-graph" viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="Lineage graph of ${esc(focus)}">
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8c959f"></path></marker></defs>
      ${heads}${edges}${boxes}</svg>
      <details><summary>Edges as a list</summary><ul id="lineage-edges">${g.edges.map((e) => `<li>${esc(e.from)} <em>${esc(e.kind)}</em> ${esc(e.to)}</li>`).join("")}</ul></details>`;
  }

  async function lineagePage(node) {
    show(`<h1>Lineage of ${esc(node)}</h1><div id="lineage" class="lineage"><p class="muted">Loading…</p></div>`, node);
    lineagePanel(node, "both");
  }

  function snippets(group, f) {
    const entity = Object.fromEntries(f.entity_keys.map((k) => [k, k.toUpperCase() + "_1"]));
    const origin = location.origin;
    const py = `import os
from e2i_feature_store import FeatureStoreClient

fs = FeatureStoreClient("${origin}", api_key=os.environ.get("FS_API_KEY"))
ef = fs.get_entity_features(${JSON.stringify(entity)}, "${group}", ["${f.name}@${f.version}"])
print(ef.features["${f.name}"], ef.metadata["${f.name}"])`;
    const java = `try (FeatureStore fs = FeatureStores.open(FeatureStoreConfig.fromEnvironment(System.getenv()))) {
  EntityFeatures ef = fs.getEntityFeatures(new OnlineRequest(
      Map.of(${f.entity_keys.map((k) => `"${k}", "${entity[k]}"`).join(", ")}), "${group}", List.of("${f.name}@${f.version}"), true, null));
  Object value = ef.features().get("${f.name}");
}`;
    const curl = `curl -s ${origin}/api/v1/online-features \\
  -H "Authorization: Bearer $FS_API_KEY" -H "Content-Type: application/json" \\
  -d '${JSON.stringify({ entity_values: entity, feature_group: group, feature_names: [f.name + "@" + f.version] })}'`;
    return [["Python", py], ["Java", java], ["curl", curl]].map(([l, code]) =>
      `<h3>${l}</h3><pre><code data-lang="${l.toLowerCase()}">${esc(code)}</code></pre>`).join("");
  }

  const PAGE = 50;

  // One page of saved sets (name order). A link to one set (#/training-sets#ts-NAME) opens its page.
  async function trainingSets(offset) {
    const anchor = (location.hash.split("#")[2] || "");
    if (anchor.startsWith("ts-") && !offset) {
      const names = (await api("/api/v1/training-sets")).training_sets.map((s) => s.name);
      const i = names.indexOf(decodeURIComponent(anchor.slice(3)));
      if (i >= PAGE) offset = Math.floor(i / PAGE) * PAGE;
    }
    const r = await api(`/api/v1/training-sets?limit=${PAGE}&offset=${offset}`);
    const sets = r.training_sets, total = r.total != null ? r.total : sets.length;
    const last = offset + sets.length;
    const pager = (where) => {
      const prev = offset > 0 ? `<a href="#/training-sets/${Math.max(0, offset - PAGE)}" rel="prev" class="prev">← Previous ${PAGE}</a>` : `<span class="muted" aria-disabled="true">← Previous</span>`;
      const next = last < total ? `<a href="#/training-sets/${last}" rel="next" class="next">Next ${Math.min(PAGE, total - last)} →</a>` : `<span class="muted" aria-disabled="true">Next →</span>`;
      return `<nav class="pager" aria-label="Training set pages, ${where}">${prev}<span class="range">${sets.length ? `sets ${fmt(offset + 1)}–${fmt(last)} of ${fmt(total)}` : `no sets from ${fmt(offset + 1)} on; <a href="#/training-sets">first page</a>`}</span>${next}</nav>`;
    };
    show(`<h1>Training sets (<span id="set-count">${fmt(total)}</span>)</h1>
      ${total === 0 ? `<p class="muted">None saved yet: POST /api/v1/training-data with "save_as".</p>` : pager("top")}
      <div class="table-wrap"><table id="training-sets" data-offset="${offset}"><caption class="visually-hidden">Saved training sets ${offset + 1} to ${last} of ${total} and their pinned feature versions</caption><thead><tr><th scope="col">name</th><th scope="col">pinned feature versions</th><th scope="col">as of</th><th scope="col">spine</th><th scope="col">lineage</th></tr></thead><tbody>
      ${sets.map((s) => `<tr id="ts-${esc(s.name)}"><th scope="row">${esc(s.name)}</th><td><ul>${s.features.map((r) => {
        const m = /^([^:]+):([^@]+)@(\d+)$/.exec(r);
        return `<li>${m ? featureLink(m[1], m[2], r) : esc(r)}</li>`; }).join("")}</ul></td>
        <td>${esc(s.as_of)}</td><td>${esc(s.spine.type)}${s.spine.row_count != null ? " · " + s.spine.row_count + " rows" : ""}</td>
        <td><a href="#/lineage/${enc("training_set:" + s.name)}">lineage</a></td></tr>`).join("")}</tbody></table></div>
      ${sets.length > 10 ? pager("bottom") : ""}`, "Training sets");
  }

  // ------------------------------------------------------------------ router

  async function route() {
    const parts = location.hash.replace(/^#\/?/, "").split("#")[0].split("/").map(decodeURIComponent);
    try {
      if (parts[0] === "group" && parts[1]) await groupPage(parts[1]);
      else if (parts[0] === "feature" && parts[2]) await featurePage(parts[1], parts[2]);
      else if (parts[0] === "training-sets") await trainingSets(Math.max(0, parseInt(parts[1], 10) || 0));
      else if (parts[0] === "lineage" && parts[1]) await lineagePage(parts.slice(1).join("/"));
      else await home();
      // When the page's content was on screen, in ms since navigation (read by the UI benchmark).
      document.body.dataset.rendered = String(Math.round(performance.now()));
      const anchor = location.hash.split("#")[2];
      if (anchor) { const el = document.getElementById(anchor); if (el) el.scrollIntoView(); }
    } catch (e) { fail(e); }
  }
  window.addEventListener("hashchange", () => { panel.hidden = true; route(); });
  route();
})();

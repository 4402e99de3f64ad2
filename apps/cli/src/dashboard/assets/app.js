// equiscale dashboard, browser side: plain JS, no build step. Reads /api/*, listens to /events (server-sent
// events), draws charts with the vega and vega-lite builds served by the dashboard itself.
'use strict';
(() => {
  const STATES = ['completed', 'running', 'pending', 'diverged', 'failed', 'cancelled'];
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) e.append(c);
    return e;
  };
  const fmt = (x, digits = 3) => {
    if (x === null || x === undefined || Number.isNaN(x)) return '–';
    if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
    return String(Number(x.toPrecision(digits)));
  };

  const state = { selected: null, sweeps: [], fittedAt: null, curvesKey: null, trials: [], loading: false, again: false };
  const views = new Map();

  async function getJson(url) {
    const r = await fetch(url, { headers: { accept: 'application/json' } });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
  }

  async function draw(container, spec) {
    const old = views.get(container.id);
    if (old) old.finalize();
    container.textContent = '';
    const compiled = vegaLite.compile(spec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'svg', container, hover: true });
    views.set(container.id, view);
    await view.runAsync();
  }

  function selectFromHash() {
    const m = /sweep=([^&]+)/.exec(location.hash);
    return m ? decodeURIComponent(m[1]) : null;
  }

  function renderOverview(sweeps) {
    state.sweeps = sweeps;
    const box = $('sweeps');
    box.textContent = '';
    if (!sweeps.length) {
      box.append(el('p', { class: 'muted', text: 'No sweeps in this database yet: launch one with `equiscale sweep launch SPEC`.' }));
      return;
    }
    if (!state.selected || !sweeps.some((s) => s.name === state.selected)) {
      state.selected = (sweeps.find((s) => s.status === 'active') || sweeps[0]).name;
    }
    for (const s of sweeps) {
      const total = s.families.reduce((n, f) => n + STATES.reduce((m, k) => m + f.counts[k], 0), 0);
      const done = s.families.reduce((n, f) => n + f.counts.completed + f.counts.diverged + f.counts.failed + f.counts.cancelled, 0);
      const card = el('div', { class: `sweep-card${s.name === state.selected ? ' selected' : ''}`, 'data-sweep': s.name });
      card.append(el('div', { class: 'title' }, el('span', { text: s.name }), el('span', { class: 'status', text: `${s.status} · ${done}/${total} finished` })));
      for (const f of s.families) {
        const n = STATES.reduce((m, k) => m + f.counts[k], 0) || 1;
        const bar = el('div', { class: 'bar', title: STATES.map((k) => `${k} ${f.counts[k]}`).join(', ') });
        for (const k of STATES) if (f.counts[k]) bar.append(el('span', { class: `s-${k}`, style: `width:${(100 * f.counts[k]) / n}%` }));
        const fam = el('div', { class: 'fam', 'data-family': f.family });
        fam.append(el('span', { text: f.family }), bar, el('span', { class: 'muted', text: `${f.counts.completed}/${n} · ${fmt(f.bestTestLoss)}` }));
        card.append(fam);
      }
      card.addEventListener('click', () => {
        location.hash = `sweep=${encodeURIComponent(s.name)}`;
      });
      box.append(card);
    }
  }

  function renderTrials() {
    const filter = $('f-status').value;
    const rows = state.trials.filter((t) => !filter || t.status === filter);
    const body = $('trials').tBodies[0];
    body.textContent = '';
    for (const t of rows) {
      const tr = el('tr', { 'data-trial': String(t.id), 'data-status': t.status });
      const num = (v) => el('td', { class: 'num', text: v });
      tr.append(
        num(String(t.id)),
        el('td', { text: t.family }),
        el('td', { text: t.sizeLabel }),
        num(fmt(t.paramCount)),
        num(String(t.steps)),
        num(String(t.trainSize)),
        num(String(t.seed)),
        num(fmt(t.nominalFlops)),
        el('td', {}, el('span', { class: `pill s-${t.status}`, text: t.status })),
        num(String(t.attempt)),
        num(t.status === 'running' ? `${t.progressStep}/${t.steps}` : ''),
        num(fmt(t.valLoss)),
        num(fmt(t.testLoss)),
        el('td', { class: 'err', text: t.error || '' }),
      );
      body.append(tr);
    }
    $('trial-count').textContent = `${rows.length} of ${state.trials.length}`;
  }

  function fillSelect(select, values) {
    const keep = select.value;
    const have = [...select.options].map((o) => o.value).slice(1);
    if (have.join('\u0000') === values.join('\u0000')) return;
    while (select.options.length > 1) select.remove(1);
    for (const v of values) select.append(el('option', { value: v, text: v }));
    if (values.includes(keep)) select.value = keep;
  }

  async function renderFit(fit) {
    const status = fit.error ? `fit failed: ${fit.error}` : fit.pending ? 'refitting…' : fit.view ? `fitted ${new Date(fit.view.fittedAt).toLocaleTimeString()} on ${fit.view.runs} runs` : 'no finished runs yet';
    $('fit-status').textContent = `(${status})`;
    const view = fit.view;
    if (!view || view.fittedAt === state.fittedAt) return;
    state.fittedAt = view.fittedAt;
    const chart = $('fit-chart');
    if (view.spec) await draw(chart, view.spec);
    else chart.textContent = 'No finished runs yet.';
    const body = $('fit-table').tBodies[0];
    body.textContent = '';
    for (const f of view.families) {
      const iv = (x, i) => (i ? `${fmt(x)} [${fmt(i[0])}, ${fmt(i[1])}]` : fmt(x));
      // numbers of a fit that is not identifiable are shown greyed, with the reason under them
      const cls = f.problem ? 'num unsure' : 'num';
      body.append(
        el('tr', { 'data-family': f.family, class: f.problem ? 'has-note' : '' },
          el('td', { text: f.family }), el('td', { class: 'num', text: String(f.runs) }), el('td', { class: cls, text: fmt(f.E) }),
          el('td', { class: cls, text: iv(f.alpha, f.alphaInterval) }), el('td', { class: cls, text: iv(f.beta, f.betaInterval) }),
          el('td', { class: cls, text: fmt(f.allocationA) })),
      );
      if (f.problem) body.append(el('tr', { class: 'note' }, el('td', { colSpan: 6, text: `${f.family}: ${f.problem}` })));
    }
  }

  async function renderCurves() {
    const name = state.selected;
    const q = new URLSearchParams({ name, split: $('f-split').value, family: $('f-family').value, size: $('f-size').value });
    const data = await getJson(`/api/curves?${q}`);
    if (name !== state.selected) return;
    const byId = new Map(data.trials.map((t) => [t.id, t]));
    const varies = (k) => new Set(data.trials.map((t) => t[k])).size > 1;
    const [showN, showSeed] = [varies('trainSize'), varies('seed')];
    const label = (t) => `#${t.id} ${t.family} ${t.size} ${t.steps} steps${showN ? ` n=${t.trainSize}` : ''}${showSeed ? ` seed ${t.seed}` : ''}`;
    const domain = data.trials.filter((t) => data.points.some((p) => p.trialId === t.id)).map(label);
    const values = data.points
      .filter((p) => p.step > 0 && p.loss > 0 && byId.has(p.trialId))
      .map((p) => {
        const t = byId.get(p.trialId);
        return { trial: label(t), family: t.family, step: p.step, loss: p.loss };
      });
    const key = JSON.stringify(values);
    if (key === state.curvesKey) return;
    state.curvesKey = key;
    const chart = $('curves-chart');
    if (!values.length) {
      const old = views.get(chart.id);
      if (old) old.finalize();
      views.delete(chart.id);
      chart.textContent = `No ${data.split === 'val' ? 'validation' : 'training'} points for these trials yet.`;
      return;
    }
    await draw(chart, {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 380,
      height: 300,
      data: { values },
      mark: { type: 'line', strokeWidth: 1.5, point: values.length < 400 },
      encoding: {
        x: { field: 'step', type: 'quantitative', scale: { type: 'log' }, axis: { title: 'Training step', format: '~g' } },
        y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, axis: { title: `${data.split === 'val' ? 'Validation' : 'Training'} loss (MSE)`, format: '~g' } },
        color: { field: 'trial', type: 'nominal', title: 'Trial', scale: { scheme: 'category20', domain }, legend: data.trials.length > 20 ? null : { labelLimit: 360 } },
        tooltip: [{ field: 'trial' }, { field: 'step' }, { field: 'loss', format: '.4g' }],
      },
    });
  }

  async function loadSweep() {
    if (state.loading) {
      state.again = true;
      return;
    }
    state.loading = true;
    try {
      do {
        state.again = false;
        const name = state.selected;
        if (!name) return;
        const data = await getJson(`/api/sweep?name=${encodeURIComponent(name)}`);
        if (name !== state.selected) continue;
        $('detail').hidden = false;
        $('detail-title').textContent = `${name} (${data.status})`;
        const sweep = state.sweeps.find((s) => s.name === name);
        const links = $('detail-links');
        links.textContent = '';
        if (sweep && sweep.report) links.append(el('a', { href: sweep.report, target: '_blank', text: 'report' }));
        else links.append(el('span', { class: 'muted', text: `no report yet (write one with: equiscale plot --sweep ${name} --out equiscale-out)` }));
        state.trials = data.trials;
        fillSelect($('f-family'), [...new Set(data.trials.map((t) => t.family))].sort());
        fillSelect($('f-size'), [...new Set(data.trials.map((t) => t.sizeLabel))]);
        renderTrials();
        await renderFit(data.fit);
        await renderCurves();
        document.body.dataset.updated = String(Date.now());
      } while (state.again);
    } finally {
      state.loading = false;
    }
  }

  function fail(err) {
    $('live').textContent = `error: ${err.message}`;
    $('live').classList.add('off');
  }

  function select(name) {
    if (!name || name === state.selected) return;
    state.selected = name;
    state.fittedAt = null;
    state.curvesKey = null;
    for (const c of document.querySelectorAll('.sweep-card')) c.classList.toggle('selected', c.dataset.sweep === name);
    loadSweep().catch(fail);
  }

  window.addEventListener('hashchange', () => select(selectFromHash()));
  for (const id of ['f-family', 'f-size', 'f-split']) $(id).addEventListener('change', () => renderCurves().catch(fail));
  $('f-status').addEventListener('change', renderTrials);

  state.selected = selectFromHash();
  const events = new EventSource('/events');
  events.addEventListener('open', () => {
    $('live').textContent = 'live';
    $('live').classList.remove('off');
  });
  events.addEventListener('error', () => {
    $('live').textContent = 'reconnecting…';
    $('live').classList.add('off');
  });
  events.addEventListener('overview', (e) => {
    const data = JSON.parse(e.data);
    renderOverview(data.sweeps);
    $('live').title = `last change ${new Date(data.at).toLocaleTimeString()}`;
    loadSweep().catch(fail);
  });
  events.addEventListener('fit', (e) => {
    const data = JSON.parse(e.data);
    if (data.sweep === state.selected) loadSweep().catch(fail);
  });
})();

/** The dashboard's single page: markup only; behaviour in assets/app.js, style in assets/app.css (served locally). */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>equiscale dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/vega.min.js"></script>
<script src="/assets/vega-lite.min.js"></script>
<script src="/assets/app.js" defer></script>
</head>
<body>
<header>
  <h1>equiscale</h1>
  <span class="subtitle">does equivariance matter at scale?</span>
  <span id="live" class="live off" title="live updates (server-sent events)">connecting…</span>
</header>
<main>
  <section>
    <h2>Sweeps</h2>
    <div id="sweeps" class="sweeps"><p class="muted">loading…</p></div>
  </section>
  <section id="detail" hidden>
    <h2 id="detail-title"></h2>
    <p id="detail-links" class="links"></p>
    <div class="grid">
      <div class="panel">
        <h3>Test loss vs training compute <span id="fit-status" class="muted small"></span></h3>
        <div id="fit-chart" class="chart"></div>
        <table id="fit-table" class="compact"><thead><tr><th>family</th><th>runs</th><th>E</th><th>α (params)</th><th>β (data)</th><th>a (N_opt ∝ C^a)</th></tr></thead><tbody></tbody></table>
      </div>
      <div class="panel">
        <h3>Learning curves</h3>
        <div class="filters">
          <label>family <select id="f-family"><option value="">all</option></select></label>
          <label>size <select id="f-size"><option value="">all</option></select></label>
          <label>split <select id="f-split"><option value="val">validation</option><option value="train">train</option></select></label>
        </div>
        <div id="curves-chart" class="chart"></div>
      </div>
    </div>
    <div class="panel">
      <h3>Trials <span id="trial-count" class="muted small"></span></h3>
      <div class="filters">
        <label>status <select id="f-status"><option value="">all</option><option>pending</option><option>running</option><option>completed</option><option>diverged</option><option>failed</option><option>cancelled</option></select></label>
      </div>
      <div class="table-wrap">
        <table id="trials"><thead><tr><th>id</th><th>family</th><th>size</th><th>params</th><th>steps</th><th>n train</th><th>seed</th><th>FLOPs</th><th>status</th><th>attempt</th><th>progress</th><th>val loss</th><th>test loss</th><th>error</th></tr></thead><tbody></tbody></table>
      </div>
    </div>
  </section>
</main>
</body>
</html>
`;
}

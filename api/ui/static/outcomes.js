"use strict";
// Outcomes over time by model, from the trend API: a termination-mix chart per model and
// the thumbs-up rate of every model on one chart.
(() => {
  const { api, say } = SJ;
  const $ = (id) => document.getElementById(id);
  const COLOURS = { completed: "#2e7d32", abandoned: "#f9a825", errored: "#c62828", timed_out: "#78909c" };

  // The trend API answers {prompt, points: [{bucket_start, group, termination_share,
  // thumbs_up_rate, ...}]}, one point per bucket and model.
  function draw(data) {
    const classes = $("legend").dataset.classes.split(",");
    const rows = data.points.map((point) => ({
      bucket: point.bucket_start,
      model: point.group ?? "(no model)",
      termination: point.termination_share,
      thumbsUp: point.thumbs_up_rate,
      judged: point.judged,
    })).filter((row) => row.judged > 0);
    if (!rows.length) {
      say($("outcomes-status"), "No judged sessions in this period yet.", "muted");
      return;
    }
    const buckets = [...new Set(rows.map((r) => r.bucket))].sort();
    const models = [...new Set(rows.map((r) => r.model))].sort();
    const at = (model, bucket) => rows.find((r) => r.model === model && r.bucket === bucket);
    Charts.legend($("legend"), classes.map((name) => [name, COLOURS[name]]));
    $("mix-charts").replaceChildren(...models.map((model) => SJ.el("figure", {},
      SJ.el("figcaption", {}, model),
      Charts.stackedBars(`termination mix of ${model}`, buckets, buckets.map((b) => at(model, b)?.termination), classes, COLOURS))));
    const series = models.map((model, i) => ({
      name: model, colour: Charts.PALETTE[i % Charts.PALETTE.length],
      values: buckets.map((b) => at(model, b)?.thumbsUp ?? null),
    }));
    Charts.legend($("thumbs-legend"), series.map((s) => [s.name, s.colour]));
    $("thumbs-chart").replaceChildren(Charts.lines("thumbs-up rate by model", buckets, series));
    say($("outcomes-status"), `verdicts of ${data.prompt} · ${buckets.length} days · ${models.length} models`, "muted");
  }

  async function init() {
    try {
      draw(await api("/v1/trends/outcomes?bucket=day&group_by=model"));
    } catch (exc) {
      say($("outcomes-status"), exc.status === 404 ? "The trend API is not available on this server." : String(exc), "error");
    }
  }

  SJ.start(init);
})();

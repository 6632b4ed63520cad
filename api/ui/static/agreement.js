"use strict";
// A prompt version against human labels: confusion matrices, accuracy with its interval,
// Cohen's kappa, per-class precision and recall, thumbs as weak labels, reviewers with
// each other; versions side by side; and making a version the current one.
(() => {
  const { api, el, fmt, say } = SJ;
  const $ = (id) => document.getElementById(id);

  function matrixTable(axis) {
    const max = Math.max(1, ...axis.labels.flatMap((r) => axis.labels.map((c) => axis.matrix[r][c])));
    return el("table", { class: "matrix" },
      el("caption", {}, "rows: human label · columns: judge"),
      el("tr", {}, el("th", {}, "human \\ judge"), axis.labels.map((c) => el("th", {}, c))),
      axis.labels.map((r) => el("tr", {}, el("th", {}, r), axis.labels.map((c) => {
        const n = axis.matrix[r][c];
        const level = n ? Math.min(4, 1 + Math.floor((4 * n) / (max + 1))) : 0;
        return el("td", { class: `heat-${level}${r === c ? " diagonal" : ""}` }, String(n));
      }))));
  }

  function classTable(axis) {
    return el("table", { class: "scores" },
      el("tr", {}, el("th", {}, "class"), el("th", {}, "precision"), el("th", {}, "recall"), el("th", {}, "support")),
      axis.labels.map((name) => {
        const s = axis.per_class[name];
        return el("tr", {}, el("th", {}, name), el("td", {}, fmt.pct(s.precision)), el("td", {}, fmt.pct(s.recall)), el("td", {}, String(s.support)));
      }));
  }

  function axisView(axis) {
    return [
      el("dl", { class: "metrics" },
        figure("accuracy", fmt.pct(axis.accuracy), `95 % CI ${fmt.interval(axis.accuracy_interval)}`),
        figure("Cohen's kappa", fmt.num(axis.kappa)),
        figure("pairs", String(axis.pairs))),
      matrixTable(axis), classTable(axis),
    ];
  }

  function figure(label, value, note = null) {
    return el("div", { class: "metric" }, el("dt", {}, label), el("dd", { "data-figure": label }, value), note ? el("small", { class: "muted" }, note) : null);
  }

  function rateLine(label, r) {
    return el("p", {}, el("strong", {}, label), `: ${fmt.pct(r.rate)} (${r.hits} of ${r.n}; 95 % CI ${fmt.interval(r.interval)})`);
  }

  function render(data) {
    $("summary").replaceChildren(
      figure("labelled sessions", String(data.labelled_sessions)),
      figure("termination accuracy", fmt.pct(data.termination.accuracy)),
      figure("termination kappa", fmt.num(data.termination.kappa)),
      figure("helpfulness accuracy", fmt.pct(data.helpfulness.accuracy)),
      figure("helpfulness kappa", fmt.num(data.helpfulness.kappa)),
    );
    $("termination").replaceChildren(...axisView(data.termination));
    $("helpfulness").replaceChildren(...axisView(data.helpfulness));
    $("thumbs").replaceChildren(
      rateLine("thumbs down when judged helpful", data.thumbs.down_when_judged_helpful),
      rateLine("thumbs up when judged unhelpful", data.thumbs.up_when_judged_unhelpful),
      el("p", { class: "muted" }, `${data.thumbs.sessions_with_thumbs} judged sessions have thumbs.`));
    $("reviewers").replaceChildren(data.reviewers.length
      ? el("table", { class: "scores" },
        el("tr", {}, el("th", {}, "reviewers"), el("th", {}, "sessions"), el("th", {}, "termination κ"), el("th", {}, "helpfulness κ")),
        data.reviewers.map((p) => el("tr", {}, el("td", {}, p.reviewers.join(" · ")), el("td", {}, String(p.sessions)),
          el("td", {}, `${fmt.num(p.termination.kappa)} (${fmt.pct(p.termination.accuracy)})`),
          el("td", {}, `${fmt.num(p.helpfulness.kappa)} (${fmt.pct(p.helpfulness.accuracy)})`))))
      : el("p", { class: "muted" }, "No session has labels from two reviewers yet."));
  }

  async function load() {
    const prompt = $("prompt").value;
    render(await api(`/v1/agreement?${new URLSearchParams({ prompt })}`));
    const changes = await api("/v1/prompts/changes?limit=20");
    $("current").textContent = `current: ${changes.current}`;
    $("make-current").disabled = changes.current === prompt;
    $("changes").replaceChildren(...(changes.items.length
      ? changes.items.map((c) => el("li", {}, `${fmt.time(c.changed_at)}: ${c.from_prompt || "–"} → ${c.to_prompt} by ${c.changed_by}`))
      : [el("li", { class: "muted" }, "No changes yet: the server's default version is current.")]));
  }

  async function compare() {
    const prompts = [...document.querySelectorAll("#compare-choices input:checked")].map((i) => i.value);
    try {
      const data = await api(`/v1/agreement/compare?${new URLSearchParams({ prompts: prompts.join(",") })}`);
      const rows = [
        ["termination accuracy", (f) => fmt.pct(f.termination.accuracy)], ["termination kappa", (f) => fmt.num(f.termination.kappa)],
        ["helpfulness accuracy", (f) => fmt.pct(f.helpfulness.accuracy)], ["helpfulness kappa", (f) => fmt.num(f.helpfulness.kappa)],
        ["pairs", (f) => String(f.termination.pairs)],
      ];
      $("compare-result").replaceChildren(el("p", {}, `Labelled sessions every version judged: ${data.sessions}`),
        el("table", { class: "scores" }, el("tr", {}, el("th", {}), data.items.map((f) => el("th", {}, f.prompt))),
          rows.map(([label, f]) => el("tr", {}, el("th", {}, label), data.items.map((item) => el("td", {}, f(item)))))));
    } catch (exc) {
      $("compare-result").replaceChildren(el("p", { class: "error" }, String(exc)));
    }
  }

  async function makeCurrent() {
    try {
      const result = await api("/v1/prompts/current", { method: "POST", body: JSON.stringify({ prompt: $("prompt").value }) });
      say($("agreement-status"), `${result.prompt} is now the current version (was ${result.previous}).`, "ok");
      await load();
    } catch (exc) {
      say($("agreement-status"), exc.status === 403 ? "Changing the current version needs a key with the admin scope." : String(exc), "error");
    }
  }

  async function init() {
    const changes = await api("/v1/prompts/changes?limit=1");
    if ([...$("prompt").options].some((o) => o.value === changes.current)) $("prompt").value = changes.current;
    $("prompt").addEventListener("change", load);
    $("compare").addEventListener("click", compare);
    $("make-current").addEventListener("click", makeCurrent);
    await load();
    await compare();
  }

  SJ.start(init);
})();

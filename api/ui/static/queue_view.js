"use strict";
// Drawing one review item: header, metrics and loop signals, the transcript with the
// evidence events highlighted, the verdicts side by side, feedback and earlier labels.
// Everything from the session goes in as text (SJ.el), never as markup.
const QueueView = (() => {
  const { el, fmt } = SJ;
  const $ = (id) => document.getElementById(id);

  const METRICS = [
    ["duration_ms", "duration", fmt.ms], ["user_turns", "user turns"], ["steps", "steps"],
    ["tool_calls", "tool calls"], ["tool_errors", "tool errors"],
    ["llm_calls_failed", "failed LLM calls"], ["tokens_total", "tokens", fmt.int],
    ["cost_usd", "cost", fmt.usd], ["condense_count", "condensations"], ["end_reason", "end reason"],
  ];
  const LOOPS = [
    ["stuck", "stuck"], ["longest_identical_streak", "longest identical streak"],
    ["identical_tool_calls", "identical calls"], ["identical_failing_tool_calls", "identical failing calls"],
    ["oscillation_run", "oscillation run"], ["repeat_ratio", "repeat ratio", (x) => fmt.num(x)],
    ["unique_files", "unique files"], ["unique_tools", "unique tools"],
  ];
  const REASONS = {
    judge_user_disagree: "judge and user disagree", low_confidence: "low confidence",
    prompts_disagree: "prompt versions disagree", calibration: "calibration sample",
  };

  function renderHead(item) {
    const s = item.session;
    $("session-id").textContent = s.session_id;
    $("session-meta").textContent = [s.source, s.model, s.mode, fmt.time(s.started_at || s.received_at)].filter(Boolean).join(" · ");
    $("reasons").replaceChildren(...item.reasons.map((r) => el("span", { class: `chip ${r}` }, REASONS[r] || r)));
  }

  function metric(label, value, bad = false) {
    return el("div", { class: bad ? "metric bad" : "metric" }, el("dt", {}, label), el("dd", {}, value));
  }

  function renderMetrics(metrics) {
    const loops = metrics.loops || {};
    $("metrics").replaceChildren(
      ...METRICS.map(([name, label, f]) => metric(label, (f || String)(metrics[name] ?? "–"))),
      ...LOOPS.map(([name, label, f]) => {
        const value = loops[name];
        const bad = name === "stuck" ? value === true : false;
        return metric(label, name === "stuck" ? (value ? "yes" : "no") : (f || String)(value ?? "–"), bad);
      }),
    );
  }

  function evidenceOf(verdicts) {
    const cited = new Map();
    for (const verdict of verdicts) {
      for (const index of verdict.evidence) cited.set(index, [...(cited.get(index) || []), verdict.prompt]);
    }
    return cited;
  }

  // Lines starting "[n]" open event n; indented lines continue it; others stand alone.
  function renderTranscript(text, cited) {
    const blocks = [];
    let body = null;
    for (const line of text.split("\n")) {
      if (body && /^\s/.test(line)) {
        body.textContent += `\n${line}`;
        continue;
      }
      const index = /^\[(\d+)\]/.exec(line);
      const prompts = index ? cited.get(Number(index[1])) : null;
      body = el("span", { class: "ev-text" }, line);
      blocks.push(el("div", {
        class: prompts ? "ev evidence" : index ? "ev" : "ev meta",
        id: index ? `ev-${index[1]}` : null,
      }, prompts ? el("span", { class: "badge" }, `evidence · ${prompts.join(", ")}`) : null, body));
    }
    $("transcript").replaceChildren(...blocks);
  }

  const ROWS = [
    ["termination", "termination"], ["helpfulness", "helpfulness"],
    ["confidence", "confidence", (v) => fmt.num(v)], ["user_sentiment", "sentiment"],
    ["judge_model", "judge model"], ["evidence", "evidence", null], ["rationale", "rationale"],
    ["created_at", "judged", fmt.time],
  ];

  function renderVerdicts(verdicts, primary) {
    if (!verdicts.length) {
      $("verdicts").replaceChildren(el("tr", {}, el("td", {}, "No verdict yet.")));
      return;
    }
    const head = el("tr", {}, el("th", {}), verdicts.map((v) => el("th", { class: v.prompt === primary ? "primary" : "" }, v.prompt)));
    const rows = ROWS.map(([name, label, f]) => {
      const values = verdicts.map((v) => JSON.stringify(v[name]));
      const differs = ["termination", "helpfulness"].includes(name) && new Set(values).size > 1;
      return el("tr", { class: differs ? "differs" : "" }, el("th", {}, label), verdicts.map((v) => el("td", {
        class: v.prompt === primary ? "primary" : "",
      }, name === "evidence" ? evidenceLinks(v.evidence) : (f || String)(v[name]))));
    });
    $("verdicts").replaceChildren(head, ...rows);
  }

  function evidenceLinks(indices) {
    if (!indices.length) return "–";
    return indices.map((i) => el("button", {
      type: "button", class: "link", onclick: () => $(`ev-${i}`)?.scrollIntoView({ block: "center" }),
    }, `[${i}]`));
  }

  function renderFeedback(feedback) {
    if (!feedback.length) {
      $("feedback").replaceChildren(el("li", { class: "muted" }, "No thumbs from the user."));
      return;
    }
    $("feedback").replaceChildren(...feedback.map((f) => el("li", {},
      el("span", { class: `thumb ${f.rating}` }, f.rating === "up" ? "▲ up" : "▼ down"), " ",
      f.comment || "", " ", el("span", { class: "muted" }, `${f.user_key || "anonymous"} · ${fmt.time(f.ts)}`))));
  }

  function renderLabels(history) {
    if (!history.length) {
      $("labels").replaceChildren(el("li", { class: "muted" }, "Nobody has labelled this session yet."));
      return;
    }
    $("labels").replaceChildren(...history.map((l) => el("li", {},
      el("strong", {}, l.reviewer), `: ${l.termination || "–"} / ${l.helpfulness || "–"} `,
      l.note ? el("q", {}, l.note) : null, " ", el("span", { class: "muted" }, fmt.time(l.created_at)))));
  }

  function show(item, primary) {
    renderHead(item);
    renderMetrics(item.session.metrics || {});
    renderTranscript(item.transcript.text, evidenceOf(item.verdicts));
    renderVerdicts(item.verdicts, primary);
    renderFeedback(item.feedback);
    renderLabels(item.label_history);
  }

  return { show };
})();

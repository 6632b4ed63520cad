"use strict";
// The review queue, one session at a time (drawn by QueueView), and the label form with
// its keyboard shortcuts.
(() => {
  const { api, el, say } = SJ;
  const $ = (id) => document.getElementById(id);
  const state = { items: [], skipped: new Set(), entry: null, item: null, choice: {} };

  async function init() {
    const [prompts, changes] = await Promise.all([api("/v1/prompts"), api("/v1/prompts/changes?limit=1")]);
    for (const prompt of prompts) $("prompt").append(el("option", { value: prompt.key }, prompt.key));
    $("prompt").value = changes.current;
    $("prompt").addEventListener("change", () => { state.skipped.clear(); load(); });
    $("order").addEventListener("change", () => load());
    $("label-form").addEventListener("submit", (event) => { event.preventDefault(); submit(); });
    $("next").addEventListener("click", next);
    for (const button of document.querySelectorAll(".choice")) {
      button.addEventListener("click", () => choose(button.dataset.axis, button.dataset.value));
    }
    document.addEventListener("keydown", onKey);
    await load();
  }

  async function load() {
    const params = new URLSearchParams({ prompt: $("prompt").value, order: $("order").value, limit: "50" });
    const page = await api(`/v1/review-queue?${params}`);
    SJ.who(page.reviewer);
    state.items = page.items.filter((entry) => !state.skipped.has(entry.session_id));
    say($("queue-status"), `${state.items.length}${page.next_cursor ? "+" : ""} waiting`, "muted");
    if (!state.items.length) {
      $("item").hidden = true;
      $("empty").hidden = false;
      return;
    }
    await show(state.items[0]);
  }

  async function show(entry) {
    const params = new URLSearchParams({ prompt: entry.verdict.prompt });
    const item = await api(`/v1/review/item/${encodeURIComponent(entry.session_id)}?${params}`);
    Object.assign(state, { entry, item, choice: { termination: null, helpfulness: null } });
    $("note").value = "";
    say($("label-status"), "");
    QueueView.show(item, entry.verdict.prompt);
    renderChoices();
    $("empty").hidden = true;
    $("item").hidden = false;
  }

  function choose(axis, value) {
    state.choice[axis] = state.choice[axis] === value ? null : value;
    renderChoices();
  }

  function renderChoices() {
    for (const button of document.querySelectorAll(".choice")) {
      const chosen = state.choice[button.dataset.axis] === button.dataset.value;
      button.classList.toggle("chosen", chosen);
      button.setAttribute("aria-pressed", String(chosen));
    }
  }

  async function submit() {
    const { termination, helpfulness } = state.choice;
    if (!state.item) return;
    if (!termination && !helpfulness) {
      say($("label-status"), "Choose a termination (1–4) or a helpfulness (q/w/e/r) first.", "error");
      return;
    }
    const body = { termination, helpfulness, note: $("note").value.trim() || null, verdict_id: state.entry.verdict.id };
    try {
      await api(`/v1/sessions/${encodeURIComponent(state.item.session.session_id)}/labels`, { method: "POST", body: JSON.stringify(body) });
    } catch (exc) {
      say($("label-status"), exc.status === 403 ? "This key lacks the review scope: labels need it." : String(exc), "error");
      return;
    }
    const labelled = state.item.session.session_id;
    await load();
    say($("label-status"), `Saved your label of ${labelled}.`, "ok");
  }

  async function next() {
    if (!state.entry) return;
    state.skipped.add(state.entry.session_id);
    const rest = state.items.filter((entry) => !state.skipped.has(entry.session_id));
    if (rest.length) await show(rest[0]); else await load();
  }

  function onKey(event) {
    const inField = event.target.closest && event.target.closest("textarea, input, select");
    if (inField) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "note") {
        event.preventDefault();
        submit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || $("item").hidden) return;
    const button = document.querySelector(`.choice[data-key="${CSS.escape(event.key.toLowerCase())}"]`);
    if (button) {
      event.preventDefault();
      choose(button.dataset.axis, button.dataset.value);
    } else if (event.key === "Enter") {
      event.preventDefault(); // not also a click on the focused button
      submit();
    } else if (event.key === "n") {
      event.preventDefault();
      next();
    }
  }

  SJ.start(init);
})();

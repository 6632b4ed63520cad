"use strict";
// Inline SVG charts in plain JavaScript: stacked share bars and lines of a rate over time.
// Every label is set as text (textContent), never parsed as markup.
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const H = 220, M = { top: 12, right: 28, bottom: 28, left: 40 };
  const BARS_WIDTH = 640, LINES_WIDTH = 1280; // the line chart spans the page, bars a third
  const PALETTE = ["#1565c0", "#8e24aa", "#00838f", "#ef6c00", "#ad1457", "#2e7d32", "#5d4037", "#546e7a"];

  function svg(tag, attrs = {}, text = null) {
    const node = document.createElementNS(NS, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    if (text !== null) node.textContent = text;
    return node;
  }

  function frame(title, W) {
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" });
    root.append(svg("title", {}, title));
    for (const tick of [0, 0.5, 1]) {
      const y = yOf(tick);
      root.append(svg("line", { x1: M.left, x2: W - M.right, y1: y, y2: y, class: "grid" }));
      root.append(svg("text", { x: M.left - 6, y: y + 4, "text-anchor": "end", class: "axis" }, `${tick * 100}%`));
    }
    return root;
  }

  const yOf = (share) => M.top + (1 - share) * (H - M.top - M.bottom);

  function xAxis(root, buckets, xOf) {
    const every = Math.max(1, Math.ceil(buckets.length / 8));
    buckets.forEach((bucket, i) => {
      if (i % every) return;
      root.append(svg("text", { x: xOf(i), y: H - 8, "text-anchor": "middle", class: "axis" }, bucket.slice(5, 10)));
    });
  }

  // shares[i]: {class: share} of buckets[i] (sorted), stacked in the order of classes
  function stackedBars(title, buckets, shares, classes, colours) {
    const W = BARS_WIDTH;
    const root = frame(title, W);
    const step = (W - M.left - M.right) / Math.max(1, buckets.length);
    const xOf = (i) => M.left + step * (i + 0.5);
    buckets.forEach((bucket, i) => {
      let top = 0;
      for (const name of classes) {
        const share = (shares[i] || {})[name] || 0;
        if (share <= 0) continue;
        const rect = svg("rect", {
          x: xOf(i) - step * 0.35, width: step * 0.7, y: yOf(top + share), height: yOf(top) - yOf(top + share),
          fill: colours[name],
        });
        rect.append(svg("title", {}, `${bucket.slice(0, 10)} ${name}: ${(100 * share).toFixed(1)}%`));
        root.append(rect);
        top += share;
      }
    });
    xAxis(root, buckets, xOf);
    return root;
  }

  // series: [{name, colour, values: [rate or null per bucket]}]
  function lines(title, buckets, series) {
    const W = LINES_WIDTH;
    const root = frame(title, W);
    const paths = root.appendChild(svg("g"));
    const step = (W - M.left - M.right) / Math.max(1, buckets.length - 1);
    const xOf = (i) => (buckets.length === 1 ? (W + M.left - M.right) / 2 : M.left + step * i);
    for (const { name, colour, values } of series) {
      let path = "";
      values.forEach((value, i) => {
        if (value === null || value === undefined) return;
        path += `${path && values[i - 1] !== null && values[i - 1] !== undefined ? "L" : "M"}${xOf(i)},${yOf(value)}`;
        const dot = svg("circle", { cx: xOf(i), cy: yOf(value), r: 3, fill: colour });
        dot.append(svg("title", {}, `${name} ${buckets[i].slice(0, 10)}: ${(100 * value).toFixed(1)}%`));
        root.append(dot);
      });
      if (path) paths.append(svg("path", { d: path, fill: "none", stroke: colour, "stroke-width": 2 }));
    }
    xAxis(root, buckets, xOf);
    return root;
  }

  function legend(container, entries) {
    container.replaceChildren(...entries.map(([name, colour]) => {
      const swatch = svg("svg", { width: 12, height: 12, class: "swatch" });
      swatch.append(svg("rect", { width: 12, height: 12, rx: 2, fill: colour }));
      return SJ.el("span", { class: "legend-item" }, swatch, name);
    }));
  }

  return { PALETTE, stackedBars, lines, legend };
})();

"use strict";
// Shared by every page: the API key kept in this tab (sessionStorage), calls to the JSON
// API with it, and DOM built from data with textContent only, never innerHTML, so nothing
// a session holds can become markup.
const SJ = (() => {
  const STORE = "session-judge.key";
  const key = () => sessionStorage.getItem(STORE);

  class ApiError extends Error {
    constructor(status, body) {
      const detail = body && body.detail !== undefined ? body.detail : body;
      super(`${status} ${body && body.error ? body.error : ""}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, options = {}) {
    const headers = { Authorization: `Bearer ${key()}` };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { ...options, headers });
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = text; }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child)); // strings become text
    }
    return node;
  }

  const fmt = {
    num: (x, digits = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits)),
    int: (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en")),
    pct: (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)} %`),
    interval: (pair) => (pair ? `${(100 * pair[0]).toFixed(0)}–${(100 * pair[1]).toFixed(0)} %` : "–"),
    ms: (x) => (x === null || x === undefined ? "–" : x >= 60000 ? `${(x / 60000).toFixed(1)} min` : `${(x / 1000).toFixed(1)} s`),
    usd: (x) => (x === null || x === undefined ? "–" : `$${Number(x).toFixed(4)}`),
    time: (x) => (x ? new Date(x).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "–"),
  };

  function say(node, message, kind = "") {
    node.textContent = message;
    node.className = kind;
  }

  function who(name) {
    document.getElementById("who").textContent = name ? `signed in as ${name}` : "";
  }

  // Show the sign-in form until a key with the read scope is given, then run the page.
  function start(init) {
    const signIn = document.getElementById("sign-in");
    const main = document.getElementById("main");
    const signOut = document.getElementById("sign-out");
    const error = document.getElementById("sign-in-error");
    const open = async () => {
      try {
        await api("/v1/prompts/changes?limit=1");
      } catch (exc) {
        sessionStorage.removeItem(STORE);
        signIn.hidden = false;
        main.hidden = true;
        say(error, exc.status === 403 ? "This key lacks the read scope." : exc.status === 401 ? "Unknown or revoked key." : String(exc), "error");
        return;
      }
      signIn.hidden = true;
      main.hidden = false;
      signOut.hidden = false;
      try { await init(); } catch (exc) { console.error(exc); }
    };
    document.getElementById("sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(STORE, document.getElementById("api-key").value.trim());
      open();
    });
    signOut.addEventListener("click", () => { sessionStorage.removeItem(STORE); location.reload(); });
    if (key()) open(); else signIn.hidden = false;
  }

  return { api, el, fmt, say, who, start, ApiError };
})();

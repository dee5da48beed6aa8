// The Resource Monitor's page: a strict Content-Security-Policy (nothing remote, only the
// inline style and script carrying this page's nonce), VS Code's theme colours, and a small
// script that draws one card per context from the messages the extension posts. No `vscode` import.
import { randomBytes } from "node:crypto";
import type { StatsSample } from "./contextModel";
import { contextGauges, stateText, type GaugeLevel } from "./gauges";
import type { RayaContextInfo } from "./protocol";

/** What the extension posts to the page on every change. */
export interface MonitorUpdate {
  type: "update";
  sessions: MonitorSession[];
}

export interface MonitorSession {
  id: string;
  name: string;
  contexts: MonitorContext[];
}

export interface MonitorGauge {
  kind: string;
  /** 0..1, or null when the figure has no limit. */
  fraction: number | null;
  level: GaugeLevel;
  text: string;
}

export interface MonitorContext {
  id: number;
  name: string;
  parentId: number | null;
  state: string;
  stateText: string;
  gauges: MonitorGauge[];
  /** Heap bytes and steps over time, oldest first. */
  heap: number[];
  steps: number[];
}

/** What the page posts back when a context's button is pressed. */
export interface MonitorAction {
  type: "action";
  action: "pause" | "resume" | "terminate" | "snapshot";
  sessionId: string;
  contextId: number;
}

export function monitorContext(info: RayaContextInfo, history: readonly StatsSample[]): MonitorContext {
  return {
    id: info.id,
    name: info.name,
    parentId: info.parentId,
    state: info.state,
    stateText: stateText(info),
    gauges: contextGauges(info).map((g) => ({ kind: g.kind, fraction: g.fraction, level: g.level, text: g.text })),
    heap: history.map((s) => s.heapBytesUsed),
    steps: history.map((s) => s.stepsExecuted),
  };
}

export function readMonitorAction(message: unknown): MonitorAction | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as Record<string, unknown>;
  const actions = ["pause", "resume", "terminate", "snapshot"];
  if (m.type !== "action" || typeof m.action !== "string" || !actions.includes(m.action)) return undefined;
  if (typeof m.sessionId !== "string" || !Number.isInteger(m.contextId)) return undefined;
  return { type: "action", action: m.action as MonitorAction["action"], sessionId: m.sessionId, contextId: m.contextId as number };
}

/** A fresh nonce per page load: base64 of 16 random bytes. */
export function makeNonce(): string {
  return randomBytes(16).toString("base64");
}

/** The Content-Security-Policy of the page: nothing but this page's own nonce-bearing style and script. */
export function monitorCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "img-src data:",
    "font-src 'none'",
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
}

export function monitorHtml(nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${monitorCsp(nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Raya Resource Monitor</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<h1>Raya Resource Monitor</h1>
<p id="empty" class="empty">No Raya debug session is running. Start one with <strong>Raya: Launch Sandbox</strong> or F5.</p>
<div id="sessions"></div>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground);
  background: var(--vscode-editor-background); padding: 0 16px 16px; }
h1 { font-size: 1.3em; font-weight: 600; margin: 12px 0; }
h2 { font-size: 1.1em; font-weight: 600; margin: 16px 0 8px; color: var(--vscode-descriptionForeground); }
.empty { color: var(--vscode-descriptionForeground); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, #8884)); border-radius: 4px; padding: 10px 12px;
  background: var(--vscode-sideBar-background, transparent); }
.card.exited { opacity: 0.6; }
.title { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.name { font-weight: 600; }
.state { color: var(--vscode-descriptionForeground); }
.gauge { margin-top: 8px; }
.gauge-label { display: flex; justify-content: space-between; font-size: 0.92em; }
.bar { height: 6px; background: var(--vscode-progressBar-background, #0e70c0); border-radius: 3px; }
.track { height: 6px; background: var(--vscode-editorWidget-background, #8883); border-radius: 3px; margin-top: 3px; overflow: hidden; }
.bar.warning { background: var(--vscode-charts-yellow, #cca700); }
.bar.critical { background: var(--vscode-charts-red, #f14c4c); }
.bar.unlimited { background: var(--vscode-charts-blue, #3794ff); opacity: 0.35; }
svg.plot { width: 100%; height: 48px; margin-top: 8px; display: block; }
svg.plot polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
svg.plot .heap { stroke: var(--vscode-charts-blue, #3794ff); }
svg.plot .steps { stroke: var(--vscode-charts-purple, #b180d7); }
.legend { font-size: 0.85em; color: var(--vscode-descriptionForeground); }
.legend .heap { color: var(--vscode-charts-blue, #3794ff); }
.legend .steps { color: var(--vscode-charts-purple, #b180d7); }
.actions { margin-top: 8px; display: flex; gap: 6px; }
button { font-family: inherit; font-size: 0.9em; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground);
  border: none; border-radius: 2px; padding: 2px 8px; cursor: pointer; }
button:hover { background: var(--vscode-button-secondaryHoverBackground); }
`;

// Plain JavaScript (not a TypeScript function turned into text, which tooling could rewrite
// with helpers the page does not have). It builds the DOM with createElement/textContent
// only, so nothing from the adapter is ever parsed as HTML.
const SCRIPT = `
(function () {
  const vscode = acquireVsCodeApi();
  const SVG = "http://www.w3.org/2000/svg";
  const sessionsEl = document.getElementById("sessions");
  const emptyEl = document.getElementById("empty");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function gaugeEl(gauge) {
    const box = el("div", "gauge");
    box.dataset.kind = gauge.kind;
    const label = el("div", "gauge-label");
    label.appendChild(el("span", "", gauge.text));
    box.appendChild(label);
    const track = el("div", "track");
    const bar = el("div", "bar " + (gauge.fraction === null ? "unlimited" : gauge.level));
    // CSSOM writes are allowed by the policy (inline style attributes are not).
    bar.style.width = (gauge.fraction === null ? 100 : Math.max(1, gauge.fraction * 100)).toFixed(1) + "%";
    track.appendChild(bar);
    box.appendChild(track);
    return box;
  }

  function polyline(values, className) {
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("class", className);
    const max = Math.max(1, ...values);
    const n = values.length;
    const points = values.map(function (v, i) {
      const x = n === 1 ? 100 : (i / (n - 1)) * 100;
      const y = 40 - (v / max) * 38;
      return x.toFixed(2) + "," + y.toFixed(2);
    });
    line.setAttribute("points", points.join(" "));
    return line;
  }

  function plotEl(context) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "plot");
    svg.setAttribute("viewBox", "0 0 100 42");
    svg.setAttribute("preserveAspectRatio", "none");
    if (context.heap.length > 0) svg.appendChild(polyline(context.heap, "heap"));
    if (context.steps.length > 0) svg.appendChild(polyline(context.steps, "steps"));
    return svg;
  }

  function button(label, action, sessionId, contextId) {
    const b = el("button", "", label);
    b.addEventListener("click", function () {
      vscode.postMessage({ type: "action", action: action, sessionId: sessionId, contextId: contextId });
    });
    return b;
  }

  function cardEl(session, context) {
    const card = el("div", "card " + context.state);
    card.dataset.contextId = String(context.id);
    const title = el("div", "title");
    title.appendChild(el("span", "name", context.name + " #" + context.id));
    title.appendChild(el("span", "state", context.stateText));
    card.appendChild(title);
    if (context.parentId !== null) card.appendChild(el("div", "legend", "inside context #" + context.parentId));
    context.gauges.forEach(function (g) { card.appendChild(gaugeEl(g)); });
    card.appendChild(plotEl(context));
    const legend = el("div", "legend");
    legend.appendChild(el("span", "heap", "— heap"));
    legend.appendChild(document.createTextNode("  "));
    legend.appendChild(el("span", "steps", "— steps"));
    legend.appendChild(document.createTextNode(" over the last " + context.heap.length + " samples"));
    card.appendChild(legend);
    if (context.state !== "exited") {
      const actions = el("div", "actions");
      if (context.state === "paused") actions.appendChild(button("Resume", "resume", session.id, context.id));
      else actions.appendChild(button("Pause", "pause", session.id, context.id));
      actions.appendChild(button("Snapshot", "snapshot", session.id, context.id));
      actions.appendChild(button("Terminate", "terminate", session.id, context.id));
      card.appendChild(actions);
    }
    return card;
  }

  function render(update) {
    sessionsEl.replaceChildren();
    emptyEl.hidden = update.sessions.length > 0;
    update.sessions.forEach(function (session) {
      const section = el("section", "session");
      section.appendChild(el("h2", "", session.name));
      const cards = el("div", "cards");
      session.contexts.forEach(function (context) { cards.appendChild(cardEl(session, context)); });
      if (session.contexts.length === 0) section.appendChild(el("p", "empty", "No contexts reported yet."));
      section.appendChild(cards);
      sessionsEl.appendChild(section);
    });
  }

  window.addEventListener("message", function (event) {
    if (event.data && event.data.type === "update") render(event.data);
  });
  vscode.postMessage({ type: "ready" });
})();
`;

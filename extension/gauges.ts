// How a context's figures are written for people: sizes, counts, gauges against limits,
// text bars and the warning level as a limit nears. Used by the contexts view, the status
// bar and the Resource Monitor, so all three say the same thing. No `vscode` import.
import type { RayaContextInfo } from "./protocol";

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB"];

/** 1.2 MB, 512 B, 4 MB: binary units (1 KB = 1024 B), one decimal below 10, none above. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value < 10 ? 1 : 0;
  const text = value.toFixed(digits).replace(/\.0$/, "");
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** 12,345: thousands separated by commas whatever the machine's locale, so tests and screenshots agree. */
export function formatCount(count: number): string {
  const whole = Math.round(count);
  const sign = whole < 0 ? "-" : "";
  return sign + String(Math.abs(whole)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** used / limit as a fraction in 0..1 (clamped), or null when there is no limit. */
export function fractionOf(used: number, limit: number | null): number | null {
  if (limit === null) return null;
  if (limit <= 0) return 1;
  return Math.min(1, Math.max(0, used / limit));
}

export type GaugeLevel = "normal" | "warning" | "critical";

/** At 75% of a limit a gauge warns; at 90% it is critical. */
export const WARNING_FRACTION = 0.75;
export const CRITICAL_FRACTION = 0.9;

export function levelOf(fraction: number | null): GaugeLevel {
  if (fraction === null || fraction < WARNING_FRACTION) return "normal";
  return fraction < CRITICAL_FRACTION ? "warning" : "critical";
}

function percentText(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}

/** A bar of `width` cells, e.g. ▰▰▰▱▱▱▱▱▱▱ for 30%. */
export function textBar(fraction: number, width = 10): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return "▰".repeat(filled) + "▱".repeat(width - filled);
}

export type GaugeKind = "heap" | "tasks" | "steps";

export interface Gauge {
  kind: GaugeKind;
  used: number;
  limit: number | null;
  fraction: number | null;
  level: GaugeLevel;
  /** "heap 1.2 MB / 4 MB (30%)", "tasks 3 / 10", "steps 12,345" (no limit). */
  text: string;
  /** The same without the kind, short enough for a tree row: "1.2 MB / 4 MB". */
  figures: string;
  /** Exact figures for a tooltip: "1,258,291 of 4,194,304 bytes (30.0%)". */
  exact: string;
}

function gauge(kind: GaugeKind, used: number, limit: number | null): Gauge {
  const format = kind === "heap" ? formatBytes : formatCount;
  const fraction = fractionOf(used, limit);
  const figures = limit === null ? format(used) : `${format(used)} / ${format(limit)}`;
  // Task counts are small: "3 / 10" says it all. Heap and steps add the percentage.
  const withPercent = fraction !== null && kind !== "tasks" ? `${figures} (${percentText(fraction)})` : figures;
  const unit = kind === "heap" ? " bytes" : "";
  const exact =
    limit === null
      ? `${formatCount(used)}${unit} (no limit)`
      : `${formatCount(used)} of ${formatCount(limit)}${unit} (${((fraction ?? 0) * 100).toFixed(1)}%)`;
  return { kind, used, limit, fraction, level: levelOf(fraction), text: `${kind} ${withPercent}`, figures, exact };
}

export function contextGauges(info: RayaContextInfo): Gauge[] {
  const s = info.stats;
  return [
    gauge("heap", s.heapBytesUsed, s.maxHeapBytes),
    gauge("tasks", s.tasks, s.maxTasks),
    gauge("steps", s.stepsExecuted, s.maxStepBudget),
  ];
}

/** The highest level among a context's gauges (what its row is coloured by). */
export function contextLevel(info: RayaContextInfo): GaugeLevel {
  const levels = contextGauges(info).map((g) => g.level);
  if (levels.includes("critical")) return "critical";
  return levels.includes("warning") ? "warning" : "normal";
}

/** What a stopped context's state reads as: "exited (HeapLimitExceeded)". */
export function stateText(info: RayaContextInfo): string {
  if (info.state !== "exited") return info.state;
  return info.exitReason === null ? "exited" : `exited (${info.exitReason})`;
}

/**
 * The short description of a context row, for narrow side bars (its gauge rows carry the
 * bars and figures): "running · heap 30% · tasks 3/10 · steps 1%", limited gauges only. It
 * changes only when a percentage or the state does, so the row is redrawn rarely.
 */
export function contextSummary(info: RayaContextInfo): string {
  if (info.state === "exited") return stateText(info);
  const parts = contextGauges(info)
    .filter((g) => g.limit !== null)
    .map((g) => (g.kind === "tasks" ? `tasks ${formatCount(g.used)}/${formatCount(g.limit ?? 0)}` : `${g.kind} ${percentText(g.fraction ?? 0)}`));
  return [info.state, ...parts].join(" · ");
}

/** A gauge row's description, figures first: "1.2 MB / 4 MB (30%) ▰▰▰▱▱▱▱▱▱▱", or the figure alone without a limit. */
export function gaugeRowText(g: Gauge): string {
  if (g.fraction === null) return `${g.figures} (no limit)`;
  return `${g.figures} (${percentText(g.fraction)}) ${textBar(g.fraction)}`;
}

/** The tooltip lines of a context row: exact figures. */
export function contextTooltipLines(info: RayaContextInfo): string[] {
  const lines = [`${info.name} #${info.id} — ${stateText(info)}`];
  if (info.parentId !== null) lines.push(`parent context #${info.parentId}`);
  for (const g of contextGauges(info)) lines.push(`${g.kind}: ${g.exact}`);
  return lines;
}

export interface SessionTotals {
  /** Contexts that have not exited. */
  liveContexts: number;
  pausedContexts: number;
  tasks: number;
  heapBytes: number;
}

export function totalsOf(contexts: Iterable<RayaContextInfo>): SessionTotals {
  const totals: SessionTotals = { liveContexts: 0, pausedContexts: 0, tasks: 0, heapBytes: 0 };
  for (const info of contexts) {
    if (info.state === "exited") continue;
    totals.liveContexts += 1;
    if (info.state === "paused") totals.pausedContexts += 1;
    totals.tasks += info.stats.tasks;
    totals.heapBytes += info.stats.heapBytesUsed;
  }
  return totals;
}

/** "Raya: 3 contexts · 5 tasks · 1.2 MB", with " · 1 paused" when any context is paused. */
export function statusBarText(totals: SessionTotals): string {
  const plural = (count: number, word: string) => `${formatCount(count)} ${word}${count === 1 ? "" : "s"}`;
  const parts = [
    `Raya: ${plural(totals.liveContexts, "context")}`,
    plural(totals.tasks, "task"),
    formatBytes(totals.heapBytes),
  ];
  if (totals.pausedContexts > 0) parts.push(`${formatCount(totals.pausedContexts)} paused`);
  return parts.join(" · ");
}

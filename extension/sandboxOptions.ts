// What Raya: Launch Sandbox asks for and what it launches: limit presets, reading typed
// limits (with the messages the input boxes show), and the debug configurations of a sandbox
// and of a snapshot. No `vscode` import.
import * as path from "node:path";
import { formatBytes, formatCount } from "./gauges";
import type { SandboxLimits } from "./protocol";

export interface LimitPreset {
  label: string;
  limits: SandboxLimits;
}

const MB = 1024 * 1024;

export const LIMIT_PRESETS: readonly LimitPreset[] = [
  { label: "Small", limits: { maxHeapBytes: 4 * MB, maxTasks: 16, maxStepBudget: 1_000_000 } },
  { label: "Medium", limits: { maxHeapBytes: 32 * MB, maxTasks: 256, maxStepBudget: 50_000_000 } },
  { label: "Large", limits: { maxHeapBytes: 256 * MB, maxTasks: 4096, maxStepBudget: 1_000_000_000 } },
  { label: "No limits", limits: {} },
];

/** "heap 4 MB · 16 tasks · 1,000,000 steps", or "no limits". */
export function describeLimits(limits: SandboxLimits): string {
  const parts: string[] = [];
  if (limits.maxHeapBytes !== undefined) parts.push(`heap ${formatBytes(limits.maxHeapBytes)}`);
  if (limits.maxTasks !== undefined) parts.push(`${formatCount(limits.maxTasks)} tasks`);
  if (limits.maxStepBudget !== undefined) parts.push(`${formatCount(limits.maxStepBudget)} steps`);
  return parts.length === 0 ? "no limits" : parts.join(" · ");
}

/** A typed limit: a value, no limit (empty input), or a message saying what is wrong. */
export type ParsedLimit = { ok: true; value: number | undefined } | { ok: false; message: string };

const UNIT_BYTES: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, m: MB, mb: MB, g: 1024 * MB, gb: 1024 * MB };

/** Largest limit accepted: the VM counts in doubles, but a limit past 2^53 would not be exact. */
const MAX_LIMIT = Number.MAX_SAFE_INTEGER;

/** "4 MB", "512kb", "1048576", "1.5 GB"; empty means no limit. */
export function parseHeapLimit(input: string): ParsedLimit {
  const text = input.trim().toLowerCase();
  if (text === "") return { ok: true, value: undefined };
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?b?)$/.exec(text.replace(/[,_]/g, ""));
  if (match === null) return { ok: false, message: "Type a size such as 4 MB, 512 KB or 1048576 (bytes), or leave empty for no limit." };
  const bytes = Math.floor(Number(match[1]) * UNIT_BYTES[match[2]]);
  return checkRange(bytes, "The heap limit");
}

/** "16", "1,000,000", "1_000_000"; empty means no limit. */
export function parseCountLimit(input: string, what: string): ParsedLimit {
  const text = input.trim();
  if (text === "") return { ok: true, value: undefined };
  if (!/^\d[\d,_]*$/.test(text)) return { ok: false, message: `${what} must be a whole number such as 1,000,000, or empty for no limit.` };
  return checkRange(Number(text.replace(/[,_]/g, "")), what);
}

function checkRange(value: number, what: string): ParsedLimit {
  if (value < 1) return { ok: false, message: `${what} must be at least 1 (leave empty for no limit).` };
  if (value > MAX_LIMIT) return { ok: false, message: `${what} is too large (at most ${formatCount(MAX_LIMIT)}).` };
  return { ok: true, value };
}

/** The text an input box starts with for a limit (empty when there is none). */
export function limitInputValue(kind: "heap" | "count", value: number | undefined): string {
  if (value === undefined) return "";
  return kind === "heap" ? formatBytes(value) : String(value);
}

/**
 * Host capabilities a sandbox can be granted; the debug adapter provides them by these names
 * (debug-adapter/capabilities.ts; test/extension/manifest.test.ts keeps the lists equal).
 */
export const KNOWN_CAPABILITIES: readonly { name: string; description: string }[] = [
  { name: "log", description: "log(...values) prints to the Debug Console" },
  { name: "clock", description: "clock() returns the time in milliseconds (Date.now())" },
];

export interface RayaLaunchConfiguration {
  type: "raya";
  request: "launch";
  name: string;
  program?: string;
  snapshot?: string;
  sandbox?: boolean;
  limits?: SandboxLimits;
  capabilities?: string[];
  stopOnEntry?: boolean;
  [key: string]: unknown;
}

/** The configuration Launch Sandbox starts. */
export function sandboxConfiguration(program: string, limits: SandboxLimits, capabilities: readonly string[]): RayaLaunchConfiguration {
  return {
    type: "raya",
    request: "launch",
    name: `Sandbox: ${path.basename(program)}`,
    program,
    cwd: path.dirname(program),
    sandbox: true,
    limits: { ...limits },
    capabilities: [...capabilities],
    stopOnEntry: false,
  };
}

/** The configuration Open Snapshot starts. */
export function snapshotConfiguration(snapshotPath: string): RayaLaunchConfiguration {
  return {
    type: "raya",
    request: "launch",
    name: `Snapshot: ${path.basename(snapshotPath)}`,
    snapshot: snapshotPath,
    cwd: path.dirname(snapshotPath),
    stopOnEntry: true,
  };
}

/** Where Snapshot Context proposes to save: "<folder>/<context name>-<id>.rayasnap", name made file-safe. */
export function defaultSnapshotPath(folder: string, contextName: string, contextId: number): string {
  const safeName = contextName.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "") || "context";
  return path.join(folder, `${safeName}-${contextId}.rayasnap`);
}

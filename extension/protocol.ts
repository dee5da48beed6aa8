// The Raya extensions to the Debug Adapter Protocol, as the extension sees them: custom
// requests, custom events and the fields of child-session configurations. The debug adapter
// implements the same contract (debug-adapter/). No `vscode` import: unit-tested in Node.

import type { ContextSummary } from "../runtime/index";

/** The adapter sends the runtime debugger's context summaries unchanged (type-only import:
 *  no runtime code is bundled into the extension for it). */
export type RayaContextInfo = ContextSummary;
export type RayaContextStats = ContextSummary["stats"];
export type ContextState = ContextSummary["state"];

/** Custom request names (session.customRequest). */
export const Requests = {
  contexts: "rayaContexts",
  pauseContext: "rayaPauseContext",
  continueContext: "rayaContinueContext",
  terminateContext: "rayaTerminateContext",
  snapshotContext: "rayaSnapshotContext",
} as const;

/** Custom event names (vscode.debug.onDidReceiveDebugSessionCustomEvent). */
export const Events = {
  contextCreated: "rayaContextCreated",
  contextExited: "rayaContextExited",
  contextStats: "rayaContextStats",
} as const;

export interface ContextExitedBody {
  id: number;
  name: string;
  reason: string;
  message: string;
}

export interface SnapshotResponseBody {
  path: string;
  bytes: number;
}

/** Fields the adapter puts in the configuration of a child session (one per inner context). */
export const CHILD_CONTEXT_ID_FIELD = "__rayaContextId";
export const PARENT_SESSION_FIELD = "__rayaParentSession";

/** The launch limits of a sandbox; an absent field means no limit. */
export interface SandboxLimits {
  maxHeapBytes?: number;
  maxTasks?: number;
  maxStepBudget?: number;
}

// ---------------------------------------------------------------------------------------
// Checking what arrives from the adapter: event bodies are untyped JSON, and one malformed
// body must not break the views.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function isLimit(value: unknown): value is number | null {
  return value === null || isCount(value);
}

const STATES: readonly string[] = ["running", "paused", "exited"];

/** The context described by value, or undefined when value is not a RayaContextInfo. */
export function readContextInfo(value: unknown): RayaContextInfo | undefined {
  if (!isRecord(value) || !isRecord(value.stats)) return undefined;
  const { id, name, parentId, state, exitReason, stats } = value;
  if (!Number.isInteger(id) || typeof name !== "string") return undefined;
  if (!(parentId === null || Number.isInteger(parentId))) return undefined;
  if (typeof state !== "string" || !STATES.includes(state)) return undefined;
  if (!(exitReason === null || exitReason === undefined || typeof exitReason === "string")) return undefined;
  const s = stats;
  if (!isCount(s.heapBytesUsed) || !isCount(s.tasks) || !isCount(s.stepsExecuted)) return undefined;
  if (!isLimit(s.maxHeapBytes) || !isLimit(s.maxTasks) || !isLimit(s.maxStepBudget)) return undefined;
  return {
    id: id as number,
    name,
    parentId: parentId as number | null,
    state: state as ContextState,
    exitReason: exitReason ?? null,
    stats: {
      heapBytesUsed: s.heapBytesUsed,
      maxHeapBytes: s.maxHeapBytes,
      tasks: s.tasks,
      maxTasks: s.maxTasks,
      stepsExecuted: s.stepsExecuted,
      maxStepBudget: s.maxStepBudget,
    },
  };
}

/** The well-formed contexts of a `{ contexts: [...] }` body (rayaContexts, rayaContextStats). */
export function readContextList(body: unknown): RayaContextInfo[] {
  if (!isRecord(body) || !Array.isArray(body.contexts)) return [];
  const contexts: RayaContextInfo[] = [];
  for (const item of body.contexts) {
    const info = readContextInfo(item);
    if (info !== undefined) contexts.push(info);
  }
  return contexts;
}

export function readContextExited(body: unknown): ContextExitedBody | undefined {
  if (!isRecord(body) || !Number.isInteger(body.id)) return undefined;
  return {
    id: body.id as number,
    name: typeof body.name === "string" ? body.name : `context ${String(body.id)}`,
    reason: typeof body.reason === "string" ? body.reason : "Terminated",
    message: typeof body.message === "string" ? body.message : "",
  };
}

export function readSnapshotResponse(body: unknown): SnapshotResponseBody | undefined {
  if (!isRecord(body) || typeof body.path !== "string" || !isCount(body.bytes)) return undefined;
  return { path: body.path, bytes: body.bytes };
}

// What the extension knows about the contexts of each running Raya debug session, kept up
// to date from the adapter's custom events, and the shapes the views are drawn from (a tree
// nested by parent, per-context history for the Resource Monitor). No `vscode` import.
import type { ContextExitedBody, RayaContextInfo } from "./protocol";

/** One sample of a context's figures, for the Resource Monitor's plots. */
export interface StatsSample {
  /** Milliseconds since the session's first sample. */
  t: number;
  heapBytesUsed: number;
  stepsExecuted: number;
  tasks: number;
}

/** Samples kept per context: at one rayaContextStats event per 500 ms, the last minute. */
export const HISTORY_LENGTH = 120;

/** The contexts of one debug run (one root debug session and its child sessions). */
export class SessionContexts {
  private readonly contexts = new Map<number, RayaContextInfo>();
  private readonly history = new Map<number, StatsSample[]>();
  private startedAt: number | undefined;

  constructor(
    readonly sessionId: string,
    readonly sessionName: string,
  ) {}

  get size(): number {
    return this.contexts.size;
  }

  get(id: number): RayaContextInfo | undefined {
    return this.contexts.get(id);
  }

  /** Every context, ordered by id (creation order). */
  all(): RayaContextInfo[] {
    return [...this.contexts.values()].sort((a, b) => a.id - b.id);
  }

  /** A context was created, or its figures changed (rayaContextCreated, rayaContextStats, rayaContexts). */
  upsert(info: RayaContextInfo, now: number): void {
    const known = this.contexts.get(info.id);
    // Events can cross: a late stats event must not bring an exited context back to life.
    if (known?.state === "exited" && info.state !== "exited") return;
    this.contexts.set(info.id, info);
    this.record(info, now);
  }

  upsertAll(contexts: readonly RayaContextInfo[], now: number): void {
    for (const info of contexts) this.upsert(info, now);
  }

  /** rayaContextExited: the context keeps its last figures, its heap is gone. */
  markExited(exit: ContextExitedBody): void {
    const known = this.contexts.get(exit.id);
    const stats = known?.stats ?? {
      heapBytesUsed: 0,
      maxHeapBytes: null,
      tasks: 0,
      maxTasks: null,
      stepsExecuted: 0,
      maxStepBudget: null,
    };
    this.contexts.set(exit.id, {
      id: exit.id,
      name: known?.name ?? exit.name,
      parentId: known?.parentId ?? null,
      state: "exited",
      exitReason: exit.reason,
      stats: { ...stats, heapBytesUsed: 0, tasks: 0 },
    });
  }

  /** The last samples of a context, oldest first. */
  historyOf(id: number): readonly StatsSample[] {
    return this.history.get(id) ?? [];
  }

  private record(info: RayaContextInfo, now: number): void {
    this.startedAt ??= now;
    const samples = this.history.get(info.id) ?? [];
    const sample: StatsSample = {
      t: now - this.startedAt,
      heapBytesUsed: info.stats.heapBytesUsed,
      stepsExecuted: info.stats.stepsExecuted,
      tasks: info.stats.tasks,
    };
    // Several events in the same millisecond (created, then stats) make one sample.
    if (samples.length > 0 && samples[samples.length - 1].t === sample.t) samples[samples.length - 1] = sample;
    else samples.push(sample);
    if (samples.length > HISTORY_LENGTH) samples.splice(0, samples.length - HISTORY_LENGTH);
    this.history.set(info.id, samples);
  }
}

export interface ContextNode {
  info: RayaContextInfo;
  children: ContextNode[];
}

/**
 * The contexts nested by parent, ordered by id at every level. A context whose parent is
 * unknown (not reported, or a cycle in bad data) is shown at the top level rather than lost.
 */
export function buildContextTree(contexts: readonly RayaContextInfo[]): ContextNode[] {
  const sorted = [...contexts].sort((a, b) => a.id - b.id);
  const nodes = new Map<number, ContextNode>();
  for (const info of sorted) nodes.set(info.id, { info, children: [] });
  const roots: ContextNode[] = [];
  for (const info of sorted) {
    const node = nodes.get(info.id) as ContextNode;
    const parent = info.parentId === null ? undefined : nodes.get(info.parentId);
    if (parent === undefined || parent === node || isAncestor(node, parent, nodes)) roots.push(node);
    else parent.children.push(node);
  }
  return roots;
}

/** True when `node` is already an ancestor of `candidate` through the parents linked so far. */
function isAncestor(node: ContextNode, candidate: ContextNode, nodes: Map<number, ContextNode>): boolean {
  const seen = new Set<number>();
  let current: ContextNode | undefined = candidate;
  while (current !== undefined && !seen.has(current.info.id)) {
    if (current === node) return true;
    seen.add(current.info.id);
    const parentId: number | null = current.info.parentId;
    current = parentId === null ? undefined : nodes.get(parentId);
  }
  return false;
}

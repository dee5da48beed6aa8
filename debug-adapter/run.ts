// One debug run: the runtime's Debugger and the DAP sessions that show it. The root session
// (the one that launched) shows every context that has no child session of its own; a child
// session (attached through `startDebugging`) shows exactly one context. The run routes the
// Debugger's callbacks to the session that shows the context concerned.
import * as fs from "node:fs";
import * as path from "node:path";
import { Debugger, type ContextSummary, type DebugListener, type DebugStop, type LimitName, type OutputCategory, type SourceLocation, type VmErrorKind } from "../runtime/index";
import { forgetToken } from "./child-server";

/** What the run needs from a session (implemented by RayaDebugSession). */
export interface RunSession {
  reportStop(stop: DebugStop): void;
  /** These threads now belong to a child session: the root session lets go of them (they
   *  leave its list, and a stop it showed for them is over in its view). */
  handOver(threadIds: number[]): void;
  reportOutput(text: string, category: OutputCategory, location?: SourceLocation): void;
  /** The program (root) or the session's context (child) ended. */
  end(exitCode: number): void;
  sendCustomEvent(event: string, body: unknown): void;
  /** Asks the client to start a child session for `context` (reverse request startDebugging). */
  requestChildSession(context: ContextSummary, token: string): void;
}

/** How often rayaContextStats is sent while anything runs. */
const STATS_INTERVAL_MS = 500;

export class DebugRun implements DebugListener {
  readonly debugger: Debugger;
  private readonly children = new Map<number, RunSession>();
  private rootId: number | null = null;
  private readonly statsTimer: ReturnType<typeof setInterval>;
  private ended = false;
  /** Set once the client supports startDebugging: contexts then get child sessions. */
  childToken: string | null = null;
  /** Directory for snapshots taken when a context reaches a limit (launch's snapshotOnLimit). */
  snapshotDir: string | null = null;

  constructor(readonly root: RunSession) {
    this.debugger = new Debugger(this);
    this.statsTimer = setInterval(() => {
      if (this.debugger.anyRunning()) this.sendStats();
    }, STATS_INTERVAL_MS);
    this.statsTimer.unref?.();
  }

  get rootContextId(): number | null {
    return this.rootId;
  }

  /** The session that shows context `id`: its child session, or the root session. */
  viewerOf(id: number): RunSession {
    return this.children.get(id) ?? this.root;
  }

  childOf(id: number): RunSession | undefined {
    return this.children.get(id);
  }

  /** A child session attaches to context `id`; an error names why it cannot. */
  attachChild(id: number, session: RunSession): void {
    if (this.ended) throw new Error("the debug run has ended");
    const context = this.debugger.context(id); // throws for an unknown id
    if (context.state === "exited") throw new Error(`context ${id} ('${context.name}') has exited`);
    if (id === this.rootId) throw new Error(`context ${id} is the program's own context, shown by the parent session`);
    if (this.children.has(id)) throw new Error(`context ${id} already has a child session`);
    this.children.set(id, session);
    // Until now the root session showed this context's threads (a stop may even have happened
    // there before the child existed): they move to the child, which reports any stop again.
    const threads = this.debugger.threads((contextId) => contextId === id).map((t) => t.threadId);
    if (threads.length > 0) this.root.handOver(threads);
  }

  /** A child session went away: its context goes back to the root session's view. */
  detachChild(session: RunSession): void {
    for (const [id, child] of this.children) if (child === session) this.children.delete(id);
  }

  sendStats(): void {
    if (this.ended) return;
    this.root.sendCustomEvent("rayaContextStats", { contexts: this.debugger.contexts() });
  }

  // ---- DebugListener

  stopped(stop: DebugStop): void {
    this.viewerOf(stop.contextId).reportStop(stop);
    this.sendStats();
  }

  output(text: string, category: OutputCategory, contextId: number | null, location?: SourceLocation): void {
    if (contextId === null || contextId === this.rootId || this.children.has(contextId)) {
      this.viewerOf(contextId ?? -1).reportOutput(text, category, location);
      return;
    }
    // Another context's output in the root session: say whose it is.
    const prefix = `[${this.debugger.nameOf(contextId)}#${contextId}] `;
    const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
    this.root.reportOutput(lines.map((line) => `${prefix}${line}\n`).join(""), category, location);
  }

  /** The launch failed before anything ran: stop the timer and close the run to child sessions. */
  dispose(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.statsTimer);
    if (this.childToken !== null) forgetToken(this.childToken);
    this.debugger.terminate();
  }

  exited(exitCode: number): void {
    if (this.ended) return;
    this.dispose();
    for (const child of this.children.values()) child.end(0);
    this.children.clear();
    this.root.end(exitCode);
  }

  contextStarted(context: ContextSummary): void {
    if (this.rootId === null) this.rootId = context.id; // the run's first context is the program's
    this.root.sendCustomEvent("rayaContextCreated", { context });
    if (context.id !== this.rootId && this.childToken !== null) this.announce(context, this.childToken);
  }

  /** Nested contexts' child sessions are started by their nearest ancestor's child session. */
  private announce(context: ContextSummary, token: string): void {
    let sender = this.root;
    for (let parent = context.parentId; parent !== null; parent = this.debugger.parentOf(parent)) {
      const child = this.children.get(parent);
      if (child !== undefined) {
        sender = child;
        break;
      }
    }
    sender.requestChildSession(context, token);
  }

  contextExited(info: { id: number; name: string; reason: VmErrorKind; message: string }): void {
    if (this.ended) return; // a disposed launch: nothing was announced
    this.root.sendCustomEvent("rayaContextExited", info);
    const child = this.children.get(info.id);
    // Contexts ended because the run ends need no note.
    const note = !this.debugger.ending;
    if (child !== undefined) {
      this.children.delete(info.id);
      if (note) child.reportOutput(`context '${info.name}' #${info.id} ended: ${info.reason}: ${info.message}\n`, "console");
      child.end(info.reason === "Terminated" ? 0 : 2);
    } else if (info.id !== this.rootId && note) {
      this.root.reportOutput(`context '${info.name}' #${info.id} ended: ${info.reason}: ${info.message}\n`, "console");
    }
  }

  limitReached(info: { contextId: number; name: string; kind: LimitName; limit: number; snapshot: Uint8Array | null; why: string | null }): void {
    const viewer = this.viewerOf(info.contextId);
    viewer.reportOutput(`context '${info.name}' #${info.contextId} reached ${info.kind} (${info.limit})\n`, "console");
    if (this.snapshotDir === null) return;
    if (info.snapshot === null) {
      viewer.reportOutput(`no snapshot written: ${info.why ?? "unknown reason"}\n`, "console");
      return;
    }
    const file = path.join(this.snapshotDir, `${safeName(info.name)}-${info.contextId}-${info.kind}-${Date.now()}.rayasnap`);
    try {
      fs.writeFileSync(file, info.snapshot);
      viewer.reportOutput(`snapshot of context '${info.name}' written to ${file} (${info.snapshot.length} bytes)\n`, "console");
    } catch (error) {
      viewer.reportOutput(`cannot write snapshot ${file}: ${error instanceof Error ? error.message : String(error)}\n`, "stderr");
    }
  }
}

/** A context name usable in a file name. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "context";
}

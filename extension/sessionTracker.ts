// Follows the running Raya debug sessions and their contexts: one entry per debug run (the
// root session; child sessions of inner contexts belong to their root), updated from the
// adapter's rayaContextCreated / rayaContextExited / rayaContextStats events, and seeded
// with a rayaContexts request when a session starts.
import * as vscode from "vscode";
import { SessionContexts } from "./contextModel";
import { DEBUG_TYPE } from "./debugger";
import { ContextKeys } from "./ids";
import {
  CHILD_CONTEXT_ID_FIELD,
  Events,
  readContextExited,
  readContextInfo,
  readContextList,
  Requests,
} from "./protocol";


export class SessionTracker implements vscode.Disposable {
  private readonly runs = new Map<string, { session: vscode.DebugSession; contexts: SessionContexts }>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Fires after any change to the sessions or their contexts. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((session) => this.sessionStarted(session)),
      vscode.debug.onDidTerminateDebugSession((session) => this.sessionEnded(session)),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((event) => this.customEvent(event)),
    );
    for (const session of [vscode.debug.activeDebugSession].filter((s) => s !== undefined)) this.sessionStarted(session);
  }

  /** Every running debug run, oldest first. */
  sessions(): { session: vscode.DebugSession; contexts: SessionContexts }[] {
    return [...this.runs.values()];
  }

  run(sessionId: string): { session: vscode.DebugSession; contexts: SessionContexts } | undefined {
    return this.runs.get(sessionId);
  }

  /**
   * The root Raya session a session belongs to: itself, or the parent chain up to the
   * session that launched the program.
   */
  rootOf(session: vscode.DebugSession): vscode.DebugSession | undefined {
    if (session.type !== DEBUG_TYPE) return undefined;
    let root = session;
    while (root.parentSession !== undefined && root.parentSession.type === DEBUG_TYPE) root = root.parentSession;
    return root;
  }

  /** The context a child session shows, when the session is one. */
  static contextIdOf(session: vscode.DebugSession): number | undefined {
    const id: unknown = session.configuration[CHILD_CONTEXT_ID_FIELD];
    return Number.isInteger(id) ? (id as number) : undefined;
  }

  /** Asks the adapter for every context of a run, and merges the answer in. */
  async refresh(sessionId: string): Promise<void> {
    const run = this.runs.get(sessionId);
    if (run === undefined) return;
    const body: unknown = await run.session.customRequest(Requests.contexts, {});
    run.contexts.upsertAll(readContextList(body), Date.now());
    this.changed.fire();
  }

  private sessionStarted(session: vscode.DebugSession): void {
    const root = this.rootOf(session);
    if (root === undefined || this.runs.has(root.id)) return;
    this.runs.set(root.id, { session: root, contexts: new SessionContexts(root.id, root.name) });
    this.log.info(`debug session "${root.name}" started`);
    this.updateContextKey();
    this.changed.fire();
    this.refresh(root.id).catch((error: unknown) => {
      // An adapter without the contexts extension still debugs; the views stay empty.
      this.log.warn(`rayaContexts failed for session "${root.name}": ${errorText(error)}`);
    });
  }

  private sessionEnded(session: vscode.DebugSession): void {
    if (!this.runs.delete(session.id)) return;
    this.updateContextKey();
    this.changed.fire();
  }

  private customEvent(event: vscode.DebugSessionCustomEvent): void {
    const root = this.rootOf(event.session);
    const run = root === undefined ? undefined : this.runs.get(root.id);
    if (run === undefined) return;
    const now = Date.now();
    switch (event.event) {
      case Events.contextStats:
        run.contexts.upsertAll(readContextList(event.body), now);
        break;
      case Events.contextCreated: {
        const info = readContextInfo((event.body as { context?: unknown } | undefined)?.context);
        if (info === undefined) return this.log.warn(`ignored a malformed ${event.event} event`);
        run.contexts.upsert(info, now);
        break;
      }
      case Events.contextExited: {
        const exit = readContextExited(event.body);
        if (exit === undefined) return this.log.warn(`ignored a malformed ${event.event} event`);
        run.contexts.markExited(exit);
        this.log.info(`context ${exit.name} #${exit.id} exited: ${exit.reason}${exit.message ? ` (${exit.message})` : ""}`);
        break;
      }
      default:
        return;
    }
    this.changed.fire();
  }

  private updateContextKey(): void {
    void vscode.commands.executeCommand("setContext", ContextKeys.debugSessionActive, this.runs.size > 0);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

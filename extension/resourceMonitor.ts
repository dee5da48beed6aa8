// The Resource Monitor: one webview panel, reused, showing live gauges and plots of every
// context of the running Raya sessions. The page runs no remote code (see monitorHtml.ts).
import * as vscode from "vscode";
import {
  makeNonce,
  monitorContext,
  monitorHtml,
  readMonitorAction,
  type MonitorAction,
  type MonitorUpdate,
} from "./monitorHtml";
import type { SessionTracker } from "./sessionTracker";

export const MONITOR_VIEW_TYPE = "raya.resourceMonitor";

export class ResourceMonitor implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly tracker: SessionTracker,
    private readonly onAction: (action: MonitorAction) => void,
  ) {
    this.subscription = tracker.onDidChange(() => this.post());
  }

  /** Opens the monitor, or brings the open one to the front. */
  show(): void {
    if (this.panel !== undefined) {
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      MONITOR_VIEW_TYPE,
      "Raya Resource Monitor",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      // No local files either: the page is self-contained.
      { enableScripts: true, localResourceRoots: [] },
    );
    panel.webview.html = monitorHtml(makeNonce());
    panel.webview.onDidReceiveMessage((message: unknown) => {
      if ((message as { type?: unknown } | undefined)?.type === "ready") return this.post();
      const action = readMonitorAction(message);
      if (action !== undefined) this.onAction(action);
    });
    panel.onDidDispose(() => (this.panel = undefined));
    this.panel = panel;
  }

  private post(): void {
    if (this.panel === undefined) return;
    const update: MonitorUpdate = {
      type: "update",
      sessions: this.tracker.sessions().map((run) => ({
        id: run.session.id,
        name: run.session.name,
        contexts: run.contexts.all().map((info) => monitorContext(info, run.contexts.historyOf(info.id))),
      })),
    };
    void this.panel.webview.postMessage(update);
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}

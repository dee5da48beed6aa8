// The status bar item shown while a Raya debug session runs: "Raya: 3 contexts · 5 tasks ·
// 1.2 MB" (and how many are paused). A click opens the Resource Monitor.
import * as vscode from "vscode";
import { statusBarText, totalsOf } from "./gauges";
import type { SessionTracker } from "./sessionTracker";

export const STATUS_BAR_ITEM_ID = "raya.contextsStatus";

export function createStatusBarItem(tracker: SessionTracker, monitorCommand: string): vscode.Disposable {
  const item = vscode.window.createStatusBarItem(STATUS_BAR_ITEM_ID, vscode.StatusBarAlignment.Left, 50);
  item.name = "Raya Contexts";
  item.command = monitorCommand;

  const update = (): void => {
    const runs = tracker.sessions();
    if (runs.length === 0) return item.hide();
    const totals = totalsOf(runs.flatMap((run) => run.contexts.all()));
    item.text = `$(vm) ${statusBarText(totals)}`;
    item.tooltip = `${runs.map((run) => run.session.name).join(", ")}: click to open the Raya Resource Monitor`;
    item.accessibilityInformation = { label: statusBarText(totals) };
    item.show();
  };
  const subscription = tracker.onDidChange(update);
  update();
  return vscode.Disposable.from(subscription, item);
}

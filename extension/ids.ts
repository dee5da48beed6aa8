// Names shared by the code and package.json's `contributes` (commands, the view, `when`
// context keys, tree item context values). test/extension/manifest.test.ts checks that the
// manifest uses exactly these. No `vscode` import.

export const CommandIds = {
  launchSandbox: "raya.launchSandbox",
  snapshotContext: "raya.snapshotContext",
  openSnapshot: "raya.openSnapshot",
  pauseContext: "raya.pauseContext",
  resumeContext: "raya.resumeContext",
  terminateContext: "raya.terminateContext",
  showResourceMonitor: "raya.showResourceMonitor",
} as const;

export const CONTEXTS_VIEW_ID = "rayaContexts";

/** Context keys set with `setContext`. */
export const ContextKeys = {
  /** activate() has run: the contexts view is shown from then on. */
  extensionActive: "raya.extensionActive",
  /** At least one Raya debug session runs: enables the context commands. */
  debugSessionActive: "raya.debugSessionActive",
} as const;

/** A context row's `contextValue`, which the view's menus match on. */
export function contextItemValue(state: "running" | "paused" | "exited"): string {
  return `rayaContext.${state}`;
}

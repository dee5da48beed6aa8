// The Raya Studio VS Code extension's entry point (bundled to dist/extension.js).
//
// The Raya language itself (file association, comments, brackets, syntax colouring) is
// contributed declaratively in package.json and needs no code. activate() is where parts
// that do need code (the debugger, the language client, the contexts view, status bar and
// Resource Monitor, the Raya commands) set themselves up; it must stay cheap because it runs
// the first time a .raya file is opened: nothing here waits for a process or reads a file.
import * as vscode from "vscode";
import { performance } from "node:perf_hooks";
import { registerCommands } from "./commands";
import { ContextsTreeProvider } from "./contextsView";
import { CommandIds, CONTEXTS_VIEW_ID, ContextKeys } from "./ids";
import { registerDebugger } from "./debugger";
import { startLanguageClient } from "./languageClient";
import { ResourceMonitor } from "./resourceMonitor";
import { SessionTracker } from "./sessionTracker";
import { createStatusBarItem } from "./statusBar";

/** The name of the output channel every part of the extension logs to. */
export const OUTPUT_CHANNEL_NAME = "Raya";


export function activate(context: vscode.ExtensionContext): void {
  const startedAt = performance.now();
  const log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  context.subscriptions.push(log);

  registerDebugger(context);
  registerContextTools(context, log);

  // The language server starts in the background: activation must not wait for it.
  startLanguageClient(context).catch((error: unknown) => {
    log.error(`The Raya language server failed to start: ${error instanceof Error ? error.message : String(error)}`);
    void vscode.window.showErrorMessage("Raya: the language server failed to start. See the Raya output channel.");
  });
  void vscode.commands.executeCommand("setContext", ContextKeys.extensionActive, true);

  const version = String(context.extension.packageJSON.version ?? "unknown");
  // The end-to-end test reads this line from the Output panel; keep its wording stable.
  log.info(`Raya Studio ${version} activated in ${formatMilliseconds(performance.now() - startedAt)} ms`);
}

/** The contexts view, the status bar item, the Resource Monitor and the Raya commands. */
function registerContextTools(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const tracker = new SessionTracker(log);
  const tree = new ContextsTreeProvider(tracker);
  const monitor = new ResourceMonitor(tracker, (action) => {
    const command = {
      pause: CommandIds.pauseContext,
      resume: CommandIds.resumeContext,
      terminate: CommandIds.terminateContext,
      snapshot: CommandIds.snapshotContext,
    }[action.action];
    const run = tracker.run(action.sessionId);
    const info = run?.contexts.get(action.contextId);
    if (info === undefined) return;
    void vscode.commands.executeCommand(command, {
      sessionId: action.sessionId,
      contextId: info.id,
      name: info.name,
      state: info.state,
    });
  });
  context.subscriptions.push(
    tracker,
    tree,
    monitor,
    vscode.window.createTreeView(CONTEXTS_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true }),
    createStatusBarItem(tracker, CommandIds.showResourceMonitor),
    registerCommands(tracker, () => monitor.show(), log),
  );
}

export function deactivate(): void {
  // Everything activate() creates is in context.subscriptions, which VS Code disposes.
}

function formatMilliseconds(ms: number): string {
  return ms.toFixed(2);
}

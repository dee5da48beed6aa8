// The Raya Studio VS Code extension's entry point (bundled to dist/extension.js).
//
// The Raya language itself (file association, comments, brackets, syntax colouring) is
// contributed declaratively in package.json and needs no code. activate() is where parts
// that do need code (the debugger, the language client) set themselves up; it must stay
// cheap because it runs the first time a .raya file is opened.
import * as vscode from "vscode";
import { performance } from "node:perf_hooks";
import { registerDebugger } from "./debugger";
import { startLanguageClient } from "./languageClient";

/** The name of the output channel every part of the extension logs to. */
export const OUTPUT_CHANNEL_NAME = "Raya";

export function activate(context: vscode.ExtensionContext): void {
  const startedAt = performance.now();
  const log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  context.subscriptions.push(log);

  registerDebugger(context);

  // The language server starts in the background: activation must not wait for it.
  startLanguageClient(context).catch((error: unknown) => {
    log.error(`The Raya language server failed to start: ${error instanceof Error ? error.message : String(error)}`);
    void vscode.window.showErrorMessage("Raya: the language server failed to start. See the Raya output channel.");
  });

  const version = String(context.extension.packageJSON.version ?? "unknown");
  // The end-to-end test reads this line from the Output panel; keep its wording stable.
  log.info(`Raya Studio ${version} activated in ${formatMilliseconds(performance.now() - startedAt)} ms`);
}

export function deactivate(): void {
  // Everything activate() creates is in context.subscriptions, which VS Code disposes.
}

function formatMilliseconds(ms: number): string {
  return ms.toFixed(2);
}

/// <reference path="../language-server/lspModuleTypes.d.ts" />
// Starts the Raya language server (dist/languageServer.js) as a child Node process talking
// over IPC, and keeps the user informed when it fails: a crash is never silent.
import * as path from "node:path";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

const CLIENT_ID = "raya";
const CLIENT_NAME = "Raya Language Server";
/** More crashes than this within the window stop the restarts (a server crashing on start-up would loop). */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

export async function startLanguageClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  const serverModule = context.asAbsolutePath(path.join("dist", "languageServer.js"));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6009"] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "raya" }],
    // Saved changes to .raya files on disk re-check the open documents that import them.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.raya") },
    errorHandler: new NotifyingErrorHandler(),
  };
  const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client.stop() });
  await client.start();
  return client;
}

/** Shows every connection failure and crash to the user, restarting a crashed server a bounded number of times. */
class NotifyingErrorHandler implements ErrorHandler {
  private readonly crashTimes: number[] = [];

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    const text = `The Raya language server connection failed: ${error.message}`;
    void vscode.window.showErrorMessage(text);
    // A few transport errors in a row can be transient; more mean the connection is gone.
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.crashTimes.push(now);
    while (this.crashTimes.length > 0 && now - this.crashTimes[0] > RESTART_WINDOW_MS) this.crashTimes.shift();
    if (this.crashTimes.length > MAX_RESTARTS) {
      void vscode.window.showErrorMessage(
        `The Raya language server crashed ${this.crashTimes.length} times in the last 3 minutes and will not be restarted. See the "${CLIENT_NAME}" output for details.`,
      );
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    void vscode.window.showWarningMessage("The Raya language server stopped unexpectedly and is being restarted.");
    return { action: CloseAction.Restart, handled: true };
  }
}

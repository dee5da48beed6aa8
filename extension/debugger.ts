// The `raya` debugger: how VS Code starts the debug adapter, and what F5 launches when the
// workspace has no launch.json.
import * as path from "node:path";
import * as vscode from "vscode";
import { parseParentSessionToken } from "./parentToken";
import { PARENT_SESSION_FIELD } from "./protocol";

export const DEBUG_TYPE = "raya";

export function registerDebugger(context: vscode.ExtensionContext): void {
  const adapterPath = context.asAbsolutePath(path.join("dist", "debugAdapter.js"));
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterProcessFactory(adapterPath)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ActiveFileConfigurationProvider()),
  );
}

/**
 * Runs the adapter as its own process speaking DAP on stdio, so a program that hangs or
 * exhausts memory never takes the extension host with it. The extension host's own binary
 * runs it: plain Node under code-server, Electron in node mode on the desktop.
 *
 * A child session (one per inner context, started by the adapter's `startDebugging` reverse
 * request) must reach the same adapter process that runs its context: its configuration
 * carries `__rayaParentSession`, naming the private Unix socket that process serves.
 */
class AdapterProcessFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly adapterPath: string) {}

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const token: unknown = session.configuration[PARENT_SESSION_FIELD];
    if (token !== undefined) {
      // A bad token throws, and VS Code reports the message when the session fails to start.
      return new vscode.DebugAdapterNamedPipeServer(parseParentSessionToken(token).socketPath);
    }
    return new vscode.DebugAdapterExecutable(process.execPath, [this.adapterPath], {
      env: { ELECTRON_RUN_AS_NODE: "1" },
    });
  }
}

/** With no launch.json, F5 debugs the active .raya file. */
class ActiveFileConfigurationProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (config.type !== undefined || config.request !== undefined || config.name !== undefined) return config;
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || editor.document.languageId !== "raya") {
      void vscode.window.showInformationMessage("Open a .raya file to debug it, or add a 'raya' configuration to launch.json.");
      return undefined; // cancels the launch
    }
    return { type: DEBUG_TYPE, request: "launch", name: "Debug Raya file", program: editor.document.uri.fsPath, stopOnEntry: false };
  }
}

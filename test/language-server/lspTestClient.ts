/// <reference path="../../language-server/lspModuleTypes.d.ts" />
// A minimal LSP client for tests: spawns the language server as a child process and speaks
// JSON-RPC to it over stdio, the way an editor would. Every wait is bounded in time.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";

const REPO_ROOT = path.resolve(__dirname, "../..");

export interface LspPosition { line: number; character: number }
export interface LspRange { start: LspPosition; end: LspPosition }
export interface LspDiagnostic { range: LspRange; message: string; source?: string; severity?: number }
export interface PublishedDiagnostics { uri: string; version?: number; diagnostics: LspDiagnostic[] }

/** How the server is started: from source through tsx (always current) or the esbuild bundle. */
export type ServerFlavour = "source" | "bundle";

export function fileUri(filePath: string): string {
  return pathToFileURL(filePath).toString();
}

export class LspTestClient {
  readonly connection: MessageConnection;
  readonly stderr: string[] = [];
  private readonly published = new Map<string, PublishedDiagnostics>();
  /** How many times diagnostics were published, per URI. */
  readonly publicationCounts = new Map<string, number>();
  private readonly diagnosticWaiters: (() => void)[] = [];
  private exitCode: number | null | undefined = undefined;
  private readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    child.stderr!.on("data", (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => child.on("exit", (code) => {
      this.exitCode = code;
      resolve(code);
    }));
    this.connection.onNotification("textDocument/publishDiagnostics", (params: PublishedDiagnostics) => {
      this.published.set(params.uri, params);
      this.publicationCounts.set(params.uri, (this.publicationCounts.get(params.uri) ?? 0) + 1);
      for (const wake of this.diagnosticWaiters.splice(0)) wake();
    });
    // The server logs through window/logMessage; keep it for failure messages.
    this.connection.onNotification("window/logMessage", (params: { message: string }) => {
      this.stderr.push(params.message);
    });
    this.connection.listen();
  }

  static start(flavour: ServerFlavour = "source"): LspTestClient {
    const args = flavour === "source"
      ? ["--require", "tsx/cjs", path.join(REPO_ROOT, "language-server/server.ts"), "--stdio"]
      : [path.join(REPO_ROOT, "dist/languageServer.js"), "--stdio"];
    return new LspTestClient(spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] }));
  }

  get isRunning(): boolean {
    return this.exitCode === undefined;
  }

  async initialize(rootPath: string): Promise<{ capabilities: Record<string, unknown> }> {
    const result = await this.request<{ capabilities: Record<string, unknown> }>("initialize", {
      processId: process.pid,
      rootUri: fileUri(rootPath),
      capabilities: {},
    });
    await this.connection.sendNotification("initialized", {});
    return result;
  }

  request<T>(method: string, params: unknown, timeoutMs = 10000): Promise<T> {
    return withTimeout(this.connection.sendRequest(method, params) as Promise<T>, timeoutMs, `request ${method}`);
  }

  async open(filePath: string, text: string, version = 1): Promise<void> {
    await this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri: fileUri(filePath), languageId: "raya", version, text },
    });
  }

  /** Replaces the whole text of an open document. */
  async change(filePath: string, text: string, version: number): Promise<void> {
    await this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: fileUri(filePath), version },
      contentChanges: [{ text }],
    });
  }

  /** Edits a range of an open document (the incremental form editors send). */
  async edit(filePath: string, range: LspRange, text: string, version: number): Promise<void> {
    await this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: fileUri(filePath), version },
      contentChanges: [{ range, text }],
    });
  }

  /** Forgets what was published for a file, so the next wait sees only new publications. */
  forgetDiagnostics(filePath: string): void {
    this.published.delete(fileUri(filePath));
  }

  /** Waits until the diagnostics published for `filePath` satisfy `accept`. */
  async waitForDiagnostics(filePath: string, accept: (d: LspDiagnostic[]) => boolean, timeoutMs = 5000): Promise<LspDiagnostic[]> {
    const uri = fileUri(filePath);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = this.published.get(uri);
      if (current && accept(current.diagnostics)) return current.diagnostics;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`no acceptable diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(current?.diagnostics)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.diagnosticWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Polite shutdown; returns the exit code. */
  async shutdown(): Promise<number | null> {
    await this.request("shutdown", null, 5000);
    await this.connection.sendNotification("exit");
    return withTimeout(this.exited, 5000, "server exit");
  }

  /** Ends the connection and kills the process if it is still running. */
  dispose(): void {
    this.connection.dispose();
    if (this.isRunning) this.child.kill("SIGKILL");
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/// <reference path="./lspModuleTypes.d.ts" />
// The Raya language server: diagnostics as you type, hover, go to definition, document
// symbols and completion, computed by the real compiler through the runtime's public API.
// Started by the VS Code extension over IPC (or `--stdio` for tests and other editors).
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  FileChangeType,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { completion, definition, diagnosticsOf, documentSymbols, hover } from "./features";
import { uriToPath } from "./positions";
import { Workspace } from "./workspace";

/** Typing pauses shorter than this are coalesced into one check. */
export const DIAGNOSTICS_DELAY_MS = 200;

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace();
  const pendingChecks = new Map<string, NodeJS.Timeout>();

  /** Runs a request handler so that a failure on a broken file answers `fallback` and is logged, never thrown. */
  function guarded<T>(what: string, fallback: T, handler: () => T): T {
    try {
      return handler();
    } catch (error) {
      connection.console.error(`raya: ${what} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      return fallback;
    }
  }

  function checkNow(uri: string): void {
    pendingChecks.delete(uri);
    const document = documents.get(uri);
    if (!document) return;
    guarded("diagnostics", undefined, () => {
      const analysis = workspace.analysisOf(document);
      if (!analysis) return;
      void connection.sendDiagnostics({ uri, version: document.version, diagnostics: diagnosticsOf(document, analysis) });
    });
  }

  function scheduleCheck(uri: string): void {
    const pending = pendingChecks.get(uri);
    if (pending) clearTimeout(pending);
    pendingChecks.set(uri, setTimeout(() => checkNow(uri), DIAGNOSTICS_DELAY_MS));
  }

  /** A file changed (in an editor or on disk): re-check it and every open document importing it. */
  function fileChanged(uri: string): void {
    if (documents.get(uri)) scheduleCheck(uri);
    const filePath = uriToPath(uri);
    if (!filePath) return;
    for (const dependent of workspace.dependentsOf(filePath)) {
      workspace.invalidate(dependent);
      scheduleCheck(dependent);
    }
  }

  connection.onInitialize((): InitializeResult => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      documentSymbolProvider: true,
      completionProvider: { triggerCharacters: ["."] },
    },
    serverInfo: { name: "raya-language-server" },
  }));

  documents.onDidOpen((event) => {
    workspace.open(event.document);
    fileChanged(event.document.uri);
  });
  documents.onDidChangeContent((event) => fileChanged(event.document.uri));
  documents.onDidClose((event) => {
    const pending = pendingChecks.get(event.document.uri);
    if (pending) clearTimeout(pending);
    pendingChecks.delete(event.document.uri);
    workspace.close(event.document);
    // Dependents now read the file from disk instead of the closed buffer.
    fileChanged(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });
  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      // A new file may satisfy an import that failed before, which no dependency records.
      if (change.type === FileChangeType.Created) {
        for (const document of documents.all()) {
          workspace.invalidate(document.uri);
          scheduleCheck(document.uri);
        }
      }
      else fileChanged(change.uri);
    }
  });

  connection.onHover((params) => guarded("hover", null, () => {
    const document = documents.get(params.textDocument.uri);
    const analysis = document && workspace.analysisOf(document);
    return document && analysis ? hover(document, analysis, params.position) : null;
  }));
  connection.onDefinition((params) => guarded("definition", null, () => {
    const document = documents.get(params.textDocument.uri);
    const analysis = document && workspace.analysisOf(document);
    return document && analysis ? definition(document, analysis, params.position) : null;
  }));
  connection.onDocumentSymbol((params) => guarded("document symbols", [], () => {
    const document = documents.get(params.textDocument.uri);
    const analysis = document && workspace.analysisOf(document);
    return document && analysis ? documentSymbols(document, analysis) : [];
  }));
  connection.onCompletion((params) => guarded("completion", [], () => {
    const document = documents.get(params.textDocument.uri);
    return document ? completion(document, workspace, params.position) : [];
  }));

  documents.listen(connection);
  connection.listen();
}

if (require.main === module) {
  // The transport (--stdio, --node-ipc, --socket=) is chosen from the command line.
  startServer(createConnection(ProposedFeatures.all));
}

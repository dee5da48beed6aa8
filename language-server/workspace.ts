/// <reference path="./lspModuleTypes.d.ts" />
// The server's view of the program: open documents (their unsaved text wins over the disk),
// the latest analysis of each, and which open documents import which files, so a change to
// one file re-checks the documents that depend on it.
import * as fs from "node:fs";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { analyze, type AnalysisResult } from "../runtime/index";
import { uriToPath } from "./positions";

export interface Analysis {
  /** The document version the analysis was made from. */
  version: number;
  path: string;
  result: AnalysisResult;
}

export class Workspace {
  private readonly openByPath = new Map<string, TextDocument>();
  private readonly analyses = new Map<string, Analysis>();
  /** Open document URI → the files (paths) its program imports, directly or not. */
  private readonly dependencies = new Map<string, Set<string>>();

  open(document: TextDocument): void {
    const filePath = uriToPath(document.uri);
    if (filePath) this.openByPath.set(filePath, document);
  }

  close(document: TextDocument): void {
    const filePath = uriToPath(document.uri);
    if (filePath) this.openByPath.delete(filePath);
    this.analyses.delete(document.uri);
    this.dependencies.delete(document.uri);
  }

  /** The analysis of the document's current text, made now if the cached one is stale. */
  analysisOf(document: TextDocument): Analysis | null {
    const cached = this.analyses.get(document.uri);
    if (cached && cached.version === document.version) return cached;
    return this.analyzeText(document, document.getText());
  }

  /** Analyses a document as the entry of its program and remembers its dependencies. */
  analyzeText(document: TextDocument, text: string, remember = true): Analysis | null {
    const filePath = uriToPath(document.uri);
    if (!filePath) return null;
    const result = analyze(text, { filename: filePath, readFile: (p) => this.readFile(p) });
    const analysis: Analysis = { version: document.version, path: filePath, result };
    if (remember) {
      this.analyses.set(document.uri, analysis);
      const imported = new Set(result.graph.files.map((f) => f.file).filter((f) => f !== filePath));
      this.dependencies.set(document.uri, imported);
    }
    return analysis;
  }

  /** Drops a document's cached analysis: a file its program imports has changed. */
  invalidate(uri: string): void {
    this.analyses.delete(uri);
  }

  /** URIs of open documents whose programs import `filePath`. */
  dependentsOf(filePath: string): string[] {
    const uris: string[] = [];
    for (const [uri, imported] of this.dependencies) if (imported.has(filePath)) uris.push(uri);
    return uris;
  }

  private readFile(filePath: string): string | null {
    const open = this.openByPath.get(filePath);
    if (open) return open.getText();
    try {
      return fs.readFileSync(filePath, "utf8");
    } catch {
      return null;
    }
  }
}

/// <reference path="./lspModuleTypes.d.ts" />
// Conversions between the compiler's positions (1-based line/column in UTF-16 units, offsets)
// and LSP's (0-based line/character in UTF-16 units), and between file paths and URIs.
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Range } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { query, type Diagnostic } from "../runtime/index";

type SourceFile = Parameters<typeof query.documentOutline>[0];

/** The file path of a `file:` URI; null for other schemes (untitled buffers) and for URIs naming another host. */
export function uriToPath(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export function pathToUri(filePath: string): string {
  return pathToFileURL(filePath).toString();
}

/** Files the compiler names that are not on disk: the prelude, the library, `std:` modules. */
export function isVirtualFile(file: string): boolean {
  return file.startsWith("<") || file.startsWith("std:");
}

export function rangeOfOffsets(document: TextDocument, start: number, end: number): Range {
  return { start: document.positionAt(start), end: document.positionAt(end) };
}

/**
 * The range a diagnostic underlines. The parser gives an end; the checker gives only a start,
 * so the range covers the smallest syntax node starting there (the offending expression or
 * name), cut at the end of its first line, or else the word at the start.
 */
export function diagnosticRange(document: TextDocument, d: Diagnostic, file: SourceFile | undefined): Range {
  const start = { line: Math.max(0, d.line - 1), character: Math.max(0, d.column - 1) };
  if (d.endLine !== undefined && d.endColumn !== undefined) {
    return { start, end: { line: d.endLine - 1, character: d.endColumn - 1 } };
  }
  const text = document.getText();
  const startOffset = document.offsetAt(start);
  const lineEnd = endOfLine(text, startOffset);
  const nodeEnd = file ? smallestNodeEndingAfter(file, startOffset) : null;
  const end = nodeEnd !== null ? Math.min(nodeEnd, lineEnd) : endOfWord(text, startOffset, lineEnd);
  return { start: document.positionAt(startOffset), end: document.positionAt(Math.max(end, Math.min(startOffset + 1, lineEnd))) };
}

function endOfLine(text: string, offset: number): number {
  const newline = text.indexOf("\n", offset);
  const end = newline === -1 ? text.length : newline;
  return end > offset && text[end - 1] === "\r" ? end - 1 : end;
}

function endOfWord(text: string, offset: number, limit: number): number {
  let end = offset;
  while (end < limit && /[A-Za-z0-9_$]/.test(text[end])) end++;
  return end;
}

function smallestNodeEndingAfter(file: SourceFile, offset: number): number | null {
  let best: number | null = null;
  const visit = (children: ReturnType<typeof query.childNodes>): void => {
    for (const child of children) {
      if (child.start > offset || child.end < offset) continue;
      if (child.start === offset && child.end > offset && (best === null || child.end < best)) best = child.end;
      visit(query.childNodes(child));
    }
  };
  visit(query.childNodes(file));
  return best;
}

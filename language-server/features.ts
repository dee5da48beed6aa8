/// <reference path="./lspModuleTypes.d.ts" />
// The language features, each a function from a document (and position) to an LSP result.
// They read the compiler only through the runtime's public API (`analyze`, `query`).
import {
  CompletionItemKind,
  DiagnosticSeverity,
  MarkupKind,
  SymbolKind,
  type CompletionItem,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type Position,
} from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { query } from "../runtime/index";
import { diagnosticRange, isVirtualFile, pathToUri, rangeOfOffsets } from "./positions";
import type { Analysis, Workspace } from "./workspace";

type OutlineSymbol = ReturnType<typeof query.documentOutline>[number];

export const DIAGNOSTIC_SOURCE = "raya";

/** The analysis's diagnostics that belong to this document (imported files report their own). */
export function diagnosticsOf(document: TextDocument, analysis: Analysis): LspDiagnostic[] {
  const file = analysis.result.graph.byName.get(analysis.path);
  return analysis.result.diagnostics
    .filter((d) => d.file === analysis.path)
    .map((d) => ({
      range: diagnosticRange(document, d, file),
      severity: DiagnosticSeverity.Error,
      source: DIAGNOSTIC_SOURCE,
      message: d.message,
    }));
}

export function hover(document: TextDocument, analysis: Analysis, position: Position): Hover | null {
  const file = analysis.result.graph.byName.get(analysis.path);
  if (!file) return null;
  const found = query.typeAt(analysis.result, file, document.offsetAt(position));
  if (!found) return null;
  const name = query.declaredName(found.node) ?? (found.node.kind === "Identifier" ? found.node.name : null);
  const shown = name ? `${name}: ${found.type}` : found.type;
  return {
    contents: { kind: MarkupKind.Markdown, value: ["```raya", shown, "```"].join("\n") },
    range: rangeOfOffsets(document, found.node.start, found.node.end),
  };
}

export function definition(document: TextDocument, analysis: Analysis, position: Position): Location | null {
  const file = analysis.result.graph.byName.get(analysis.path);
  if (!file) return null;
  const target = query.definitionAt(analysis.result, file, document.offsetAt(position));
  if (!target || isVirtualFile(target.file)) return null;
  const targetFile = analysis.result.graph.byName.get(target.file);
  if (!targetFile) return null;
  const span = query.nameSpan(target, targetFile.text);
  return { uri: pathToUri(target.file), range: rangeInText(targetFile.text, span.start, span.end) };
}

/** A range in a file that may not be open (the target of a definition). */
function rangeInText(text: string, start: number, end: number): Location["range"] {
  return { start: positionInText(text, start), end: positionInText(text, end) };
}

function positionInText(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart };
}

export function documentSymbols(document: TextDocument, analysis: Analysis): DocumentSymbol[] {
  const file = analysis.result.graph.byName.get(analysis.path);
  if (!file) return [];
  const toSymbol = (s: OutlineSymbol): DocumentSymbol => ({
    name: s.name,
    kind: SYMBOL_KINDS[s.kind],
    range: rangeOfOffsets(document, s.start, s.end),
    selectionRange: rangeOfOffsets(document, s.nameStart, s.nameEnd),
    children: s.children.map(toSymbol),
  });
  return query.documentOutline(file).map(toSymbol);
}

const SYMBOL_KINDS: Record<OutlineSymbol["kind"], SymbolKind> = {
  function: SymbolKind.Function,
  class: SymbolKind.Class,
  interface: SymbolKind.Interface,
  typeAlias: SymbolKind.TypeParameter,
  variable: SymbolKind.Variable,
  constant: SymbolKind.Constant,
  field: SymbolKind.Field,
  method: SymbolKind.Method,
  constructor: SymbolKind.Constructor,
  property: SymbolKind.Property,
};

// ---------------------------------------------------------------- completion

export const KEYWORDS = [
  "let", "const", "function", "return", "if", "else", "for", "of", "while", "do", "switch", "case",
  "default", "break", "continue", "throw", "try", "catch", "finally", "class", "extends", "implements",
  "interface", "type", "new", "this", "super", "import", "export", "from", "as", "async", "await",
  "static", "private", "protected", "public", "readonly", "abstract", "instanceof", "typeof", "in",
  "true", "false", "null", "number", "int", "string", "boolean", "void",
];

/** Inserted where a member name is being typed so that `obj.` parses as a member access. */
const MEMBER_PLACEHOLDER = "__rayaCompletion__";

export function completion(document: TextDocument, workspace: Workspace, position: Position): CompletionItem[] {
  const text = document.getText();
  const offset = document.offsetAt(position);
  const wordStart = startOfWord(text, offset);
  const builtinModule = builtinModuleImportAt(text, wordStart);
  if (builtinModule !== null) {
    return builtinModule.map((e) => ({ label: e.name, kind: e.kind === "class" ? CompletionItemKind.Class : CompletionItemKind.Interface }));
  }
  const dot = dotBefore(text, wordStart);
  if (dot !== null) return memberCompletion(document, workspace, text, wordStart, offset);
  const analysis = workspace.analysisOf(document);
  const file = analysis?.result.graph.byName.get(analysis.path);
  const names = analysis && file ? query.namesInScope(analysis.result, file, offset) : [];
  return [
    ...names.map((n) => ({ label: n.name, kind: SCOPE_KINDS[n.kind] })),
    ...KEYWORDS.map((k) => ({ label: k, kind: CompletionItemKind.Keyword })),
  ];
}

/** Types the object before the `.` by analysing the text with a placeholder member name. */
function memberCompletion(document: TextDocument, workspace: Workspace, text: string, wordStart: number, offset: number): CompletionItem[] {
  const patched = text.slice(0, wordStart) + MEMBER_PLACEHOLDER + text.slice(offset);
  const analysis = workspace.analyzeText(document, patched, false);
  const file = analysis?.result.graph.byName.get(analysis.path);
  if (!analysis || !file) return [];
  const path = query.nodePathAt(file, wordStart + 1);
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i];
    if (node.kind !== "Member" || node.name !== MEMBER_PLACEHOLDER) continue;
    const objectType = analysis.result.check.typeOf(node.object);
    if (!objectType) return [];
    return query.membersOfType(objectType).map((m) => ({
      label: m.name,
      kind: m.kind === "method" ? CompletionItemKind.Method : m.kind === "field" ? CompletionItemKind.Field : CompletionItemKind.Property,
      detail: m.detail,
    }));
  }
  return [];
}

const SCOPE_KINDS: Record<ReturnType<typeof query.namesInScope>[number]["kind"], CompletionItemKind> = {
  function: CompletionItemKind.Function,
  class: CompletionItemKind.Class,
  interface: CompletionItemKind.Interface,
  typeAlias: CompletionItemKind.TypeParameter,
  variable: CompletionItemKind.Variable,
  constant: CompletionItemKind.Constant,
  parameter: CompletionItemKind.Variable,
  import: CompletionItemKind.Reference,
};

function startOfWord(text: string, offset: number): number {
  let start = offset;
  while (start > 0 && /[A-Za-z0-9_$]/.test(text[start - 1])) start--;
  return start;
}

/** The offset of a `.` (or `?.`) just before the word, skipping spaces; null when there is none. */
function dotBefore(text: string, wordStart: number): number | null {
  let i = wordStart - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  if (i < 0 || text[i] !== ".") return null;
  // `...` is a spread and `12.` a number literal: neither is a member access.
  if (i > 0 && text[i - 1] === ".") return null;
  if (/^[0-9]+$/.test(text.slice(startOfWord(text, i), i))) return null;
  return i;
}

/** Inside the braces of `import { ... } from "raya:vm"` (whether or not the line is finished):
 *  the exports of that built-in module; null anywhere else. */
function builtinModuleImportAt(text: string, offset: number): query.ModuleExport[] | null {
  const before = text.slice(Math.max(0, offset - 500), offset);
  const importStart = before.lastIndexOf("import");
  if (importStart === -1 || !/^import\s*\{[^}]*$/.test(before.slice(importStart))) return null;
  const after = text.slice(offset, offset + 500);
  const match = /^[^}]*\}\s*from\s*(["'])([^"']*)\1/.exec(after);
  return match === null ? null : query.builtinModuleExports(match[2]);
}

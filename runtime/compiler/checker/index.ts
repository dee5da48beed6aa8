// The checker's public entry point: checks a ModuleGraph (library, prelude, user files) and
// exposes expression types for the language server.
import type { Expr, Node, SourceFile } from "../ast";
import type { Diagnostic } from "../diagnostics";
import type { ModuleGraph } from "../modules";
import { parse } from "../parser";
import { Checker } from "./checker";
import { LIB_FILENAME, LIB_SOURCE } from "./lib";
import { RAYA_VM_FILENAME, RAYA_VM_SOURCE } from "./raya-vm";
import { type Type, typeToString } from "./types";

export type { Type } from "./types";

export interface CheckResult {
  diagnostics: Diagnostic[];
  /** Static type of an expression node, for the language server's hover (later). */
  typeOf(node: Expr): Type | undefined;
  typeToString(t: Type): string;
  /** Declaration an identifier, member access or type reference refers to (go-to-definition). */
  definitionOf(node: Node): Node | undefined;
}

const parsedDeclarations = new Map<string, SourceFile>();

/** Built-in declarations, parsed once per process (the trees are never mutated). */
function declarationsAst(source: string, file: string): SourceFile {
  let ast = parsedDeclarations.get(file);
  if (!ast) {
    const parsed = parse(source, file);
    if (parsed.diagnostics.length > 0) {
      const first = parsed.diagnostics[0];
      throw new Error(`internal error: ${file} declarations do not parse: ${first.line}:${first.column} ${first.message}`);
    }
    ast = parsed.ast;
    parsedDeclarations.set(file, ast);
  }
  return ast;
}

/** The global library's declarations, as the checker reads them. */
export function libraryDeclarations(): SourceFile {
  return declarationsAst(LIB_SOURCE, LIB_FILENAME);
}

/** raya:vm's declarations, as the checker binds them. */
export function rayaVmDeclarations(): SourceFile {
  return declarationsAst(RAYA_VM_SOURCE, RAYA_VM_FILENAME);
}

export function checkProgram(graph: ModuleGraph): CheckResult {
  const checker = new Checker(graph);
  const libScope = checker.declareLibrary(libraryDeclarations());
  checker.checkGraph(graph, libScope, [rayaVmDeclarations()]);
  return {
    diagnostics: dedupe(checker.diagnostics),
    typeOf: (node) => checker.nodeTypes.get(node),
    typeToString,
    definitionOf: (node) => checker.definitions.get(node),
  };
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

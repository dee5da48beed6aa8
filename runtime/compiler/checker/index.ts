// The checker's public entry point: checks a ModuleGraph (library, prelude, user files) and
// exposes expression types for the language server.
import type { Expr, Node, SourceFile } from "../ast";
import type { Diagnostic } from "../diagnostics";
import type { ModuleGraph } from "../modules";
import { parse } from "../parser";
import { Checker } from "./checker";
import { LIB_FILENAME, LIB_SOURCE } from "./lib";
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

let libAst: SourceFile | null = null;

/** The library declarations, parsed once per process (the tree is never mutated). */
function libraryAst(): SourceFile {
  if (!libAst) {
    const { ast, diagnostics } = parse(LIB_SOURCE, LIB_FILENAME);
    if (diagnostics.length > 0) {
      const first = diagnostics[0];
      throw new Error(`internal error: library declarations do not parse: ${first.line}:${first.column} ${first.message}`);
    }
    libAst = ast;
  }
  return libAst;
}

export function checkProgram(graph: ModuleGraph): CheckResult {
  const checker = new Checker(graph);
  const libScope = checker.declareLibrary(libraryAst());
  checker.checkGraph(graph, libScope);
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

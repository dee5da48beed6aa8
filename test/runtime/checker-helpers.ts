// Test helpers for the checker: build a ModuleGraph from source strings (the real prelude,
// an entry file and optional other files) and return diagnostics as "line:col message".
import { parse } from "../../runtime/compiler/parser";
import { checkProgram, type CheckResult } from "../../runtime/compiler/checker";
import type { ModuleGraph } from "../../runtime/compiler/modules";
import type { SourceFile } from "../../runtime/compiler/ast";
import { PRELUDE_SOURCE } from "../../runtime/vm/prelude";

export interface Checked {
  errors: string[];
  result: CheckResult;
  files: Map<string, SourceFile>;
}

/** Checks `entry` (file "main.raya"); `others` maps file names like "util.raya" to sources. */
export function checkSource(entry: string, others: Record<string, string> = {}): Checked {
  const prelude = parse(PRELUDE_SOURCE, "<prelude>").ast;
  const files = new Map<string, SourceFile>();
  const parseErrors: string[] = [];
  for (const [name, text] of Object.entries(others)) {
    const r = parse(text, name);
    parseErrors.push(...r.diagnostics.map((d) => `${name}:${d.line}:${d.column} PARSE ${d.message}`));
    files.set(name, r.ast);
  }
  const main = parse(entry, "main.raya");
  parseErrors.push(...main.diagnostics.map((d) => `${d.line}:${d.column} PARSE ${d.message}`));
  files.set("main.raya", main.ast);
  const graph: ModuleGraph = {
    prelude,
    files: [...files.values()].filter((f) => f !== main.ast).concat([main.ast]),
    entry: main.ast,
    byName: files,
    resolve: (_from, spec) => {
      if (spec === "raya:vm" || spec === "host:" || spec.startsWith("std:")) return spec;
      const name = `${spec.replace(/^\.\//, "")}.raya`;
      return files.has(name) ? name : null;
    },
  };
  const result = checkProgram(graph);
  const errors = [
    ...parseErrors,
    ...result.diagnostics.map((d) => (d.file === "main.raya" ? `${d.line}:${d.column} ${d.message}` : `${d.file}:${d.line}:${d.column} ${d.message}`)),
  ];
  return { errors, result, files };
}

export function errorsOf(entry: string, others: Record<string, string> = {}): string[] {
  return checkSource(entry, others).errors;
}

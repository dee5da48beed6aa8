// The compiler driver: reads the entry file and everything it imports, builds the
// ModuleGraph, and runs parser -> checker -> codegen -> verifier. Each stage reports into one
// diagnostics list so a single run shows every error it can find.
import * as fs from "node:fs";
import * as path from "node:path";
import type { ImportDecl, SourceFile } from "./ast";
import { CompileError, type Diagnostic } from "./diagnostics";
import type { ModuleGraph } from "./modules";
import { parse } from "./parser";
import { checkProgram, type CheckResult } from "./checker";
import { CodegenError, generate } from "./codegen";
import { standardModuleSource } from "./stdlib";
import { PRELUDE_SOURCE } from "../vm/prelude";
import type { Program } from "../bytecode/module";
import { verifyProgram } from "../bytecode/verify";

export interface CompileOptions {
  /** Name the source is known by in diagnostics and stack traces; imports resolve relative to it. */
  filename: string;
  /** Reads an imported file; returns null when it does not exist. Defaults to the file system. */
  readFile?: (absolutePath: string) => string | null;
}

export interface AnalysisResult {
  graph: ModuleGraph;
  diagnostics: Diagnostic[];
  check: CheckResult;
}

export const PRELUDE_FILENAME = "<prelude>";
/** Modules the runtime will provide; importing them is reported by the checker as not available yet. */
const BUILTIN_MODULES = new Set(["raya:vm", "host:"]);

/** Compiles a program; throws CompileError listing every diagnostic when the source has errors. */
export function compile(source: string, options: CompileOptions): Program {
  const analysis = analyze(source, options);
  if (analysis.diagnostics.length > 0) throw new CompileError(analysis.diagnostics);
  const program = generateOrReport(analysis.graph);
  verifyProgram(program);
  return program;
}

/** A construct the code generator does not support is a compile error at its position. */
function generateOrReport(graph: ModuleGraph): Program {
  try {
    return generate(graph);
  } catch (error) {
    if (error instanceof CodegenError && error.at !== null) {
      throw new CompileError([{ ...error.at, message: error.message }]);
    }
    throw error;
  }
}

/** Parses and type-checks without generating code (the language server's entry point). */
export function analyze(source: string, options: CompileOptions): AnalysisResult {
  const readFile = options.readFile ?? readFromDisk;
  const diagnostics: Diagnostic[] = [];
  const prelude = parseChecked(PRELUDE_SOURCE, PRELUDE_FILENAME, diagnostics);
  const loader = new ModuleLoader(readFile, diagnostics);
  const entry = loader.load(options.filename, source);
  const graph: ModuleGraph = {
    prelude,
    files: loader.ordered,
    entry,
    byName: loader.byName,
    resolve: (from, specifier) => loader.resolved.get(resolutionKey(from, specifier)) ?? null,
  };
  const check = checkProgram(graph);
  diagnostics.push(...check.diagnostics);
  return { graph, diagnostics: sortAndDedupe(diagnostics), check };
}

function parseChecked(text: string, file: string, diagnostics: Diagnostic[]): SourceFile {
  const { ast, diagnostics: parseDiagnostics } = parse(text, file);
  diagnostics.push(...parseDiagnostics);
  return ast;
}

function readFromDisk(absolutePath: string): string | null {
  try {
    return fs.readFileSync(absolutePath, "utf8");
  } catch {
    return null;
  }
}

function resolutionKey(from: string, specifier: string): string {
  return `${from}\u0000${specifier}`;
}

/** Loads files depth-first so `ordered` lists every file after the files it imports. */
class ModuleLoader {
  readonly ordered: SourceFile[] = [];
  readonly byName = new Map<string, SourceFile>();
  readonly resolved = new Map<string, string>();

  constructor(
    private readonly readFile: (absolutePath: string) => string | null,
    private readonly diagnostics: Diagnostic[],
  ) {}

  load(file: string, text: string): SourceFile {
    const ast = parseChecked(text, file, this.diagnostics);
    this.byName.set(file, ast);
    for (const decl of ast.body) {
      if (decl.kind === "Import") this.loadImport(ast.file, decl);
    }
    this.ordered.push(ast);
    return ast;
  }

  private loadImport(from: string, decl: ImportDecl): void {
    const specifier = decl.source;
    if (BUILTIN_MODULES.has(specifier)) {
      this.resolved.set(resolutionKey(from, specifier), specifier);
      return;
    }
    if (specifier.startsWith("std:")) {
      this.loadStandardModule(from, decl);
      return;
    }
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
      this.report(decl, `Cannot find module '${specifier}'. Relative imports start with './' or '../'.`);
      return;
    }
    const target = resolveRelative(from, specifier);
    if (!this.byName.has(target)) {
      const text = this.readFile(target);
      if (text === null) {
        this.report(decl, `Cannot find module '${specifier}'.`);
        return;
      }
      this.load(target, text);
    }
    this.resolved.set(resolutionKey(from, specifier), target);
  }

  /** A standard module is embedded Raya source, loaded once as a file named by its specifier. */
  private loadStandardModule(from: string, decl: ImportDecl): void {
    const specifier = decl.source;
    if (!this.byName.has(specifier)) {
      const text = standardModuleSource(specifier);
      if (text === null) {
        this.report(decl, `Cannot find module '${specifier}'.`);
        return;
      }
      this.load(specifier, text);
    }
    this.resolved.set(resolutionKey(from, specifier), specifier);
  }

  private report(decl: ImportDecl, message: string): void {
    this.diagnostics.push({ file: decl.file, line: decl.sourceLine, column: decl.sourceCol, message });
  }
}

function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(path.resolve(from)), specifier);
  return path.extname(base) === ".raya" ? base : `${base}.raya`;
}

function sortAndDedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1,
  );
}

// The set of parsed files that make up one program, as the compiler driver hands it to the
// checker and to codegen.
import type { SourceFile } from "./ast";

/** Modules provided by the runtime rather than by files. */
export type BuiltinModuleName = "raya:vm" | "host:" | `std:${string}`;

export interface ModuleGraph {
  /** The prelude (Raya-written builtins: Error classes, callback-taking array methods). Its
   *  exported declarations are in scope in every file without an import. */
  prelude: SourceFile;
  /** User files in dependency order: each file comes after the files it imports (cycles are
   *  broken at the back edge); the entry file is last. */
  files: SourceFile[];
  entry: SourceFile;
  byName: ReadonlyMap<string, SourceFile>;
  /** Resolves `specifier` as written in file `fromFile` to a file name in `byName`, or to a
   *  builtin module name; null when it cannot be resolved (the driver has already reported it). */
  resolve(fromFile: string, specifier: string): string | null;
}

// Compile-time diagnostics shared by the parser, the checker and the compiler driver.

export interface Diagnostic {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  message: string;
  /** Optional end of the span, for editors that underline a range. */
  endLine?: number;
  endColumn?: number;
}

/** Formats as the CLI prints it: `file:line:col: error: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: error: ${d.message}`;
}

/** Thrown by `compile` when the source has errors; carries every diagnostic found. */
export class CompileError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "CompileError";
    this.diagnostics = diagnostics;
  }
}

// The in-memory form of a compiled Raya program. Codegen produces it, `encode`/`decode`
// convert it to and from the binary `.rbc` format, the verifier checks it, and the VM runs it.
// A program is closed: the entry file and every file it imports, plus the prelude, linked
// into one constant pool, one function table, one class table and one globals table.

export const BYTECODE_MAGIC = 0x52415941; // "RAYA"
export const BYTECODE_VERSION = 1;

/** Constant pool entry. Ints and floats are distinguished so `disasm` and the encoder keep them exact. */
export type Constant =
  | { kind: "int"; value: number }
  | { kind: "number"; value: number }
  | { kind: "string"; value: string };

/** How a closure obtains capture i when it is created by CLOSURE / CLASS in its parent frame. */
export interface CaptureDescriptor {
  /** true: the parent's local `index` (which holds a Box); false: the parent's own capture `index`. */
  fromParentLocal: boolean;
  index: number;
}

/** A try region: an exception thrown at a pc in [startPc, endPc) jumps to handlerPc with the
 *  operand stack cut back to `stackDepth` values (above the locals) and the thrown value pushed.
 *  Handlers are listed innermost first: the first entry whose range holds the pc wins. Codegen
 *  may split one try block into several entries (inlined `finally` code is left unprotected). */
export interface ExceptionHandler {
  startPc: number;
  endPc: number;
  handlerPc: number;
  stackDepth: number;
  /** true: a `finally` handler (catch-all that runs the finally block and rethrows the value);
   *  false or absent: a `catch` handler. Cancelling a Task unwinds it through finally handlers
   *  only, so a catch block cannot swallow the cancellation; for that, codegen lists the finally
   *  handler for a try block that also has a catch (after the catch entry, which wins otherwise). */
  isFinally?: boolean;
}

/** One row of a function's line table: code from `pc` up to the next row's pc maps to (line, column). */
export interface LineEntry {
  pc: number;
  line: number;
  column: number;
}

export interface LocalVarInfo {
  name: string;
  slot: number;
  /** Live range [startPc, endPc): the debugger shows the variable only inside it. */
  startPc: number;
  endPc: number;
  /** The slot holds a Box (the variable is captured by a closure). */
  boxed: boolean;
}

export interface FunctionProto {
  name: string; // "main", "Point.constructor", "<anonymous>", "<module:util.raya>"
  /** Index into Program.files. */
  file: number;
  line: number;
  column: number;
  /** Declared parameters, counting a rest parameter; slot 0 holds the callee (functions) or `this` (methods). */
  arity: number;
  hasRest: boolean;
  /** Total local slots including slot 0 and the parameters (params occupy slots 1..arity). */
  numLocals: number;
  /** Upper bound of operand stack depth above the locals; the verifier checks it. */
  maxStack: number;
  isAsync: boolean;
  /** Methods, getters, setters and constructors receive `this` in slot 0. */
  isMethod: boolean;
  captures: CaptureDescriptor[];
  code: Int32Array;
  lines: LineEntry[];
  handlers: ExceptionHandler[];
  locals: LocalVarInfo[];
}

export interface ClassMethodEntry {
  name: string;
  fn: number; // function index
  kind: "method" | "get" | "set";
  static: boolean;
}

/**
 * A fixed object layout. Classes list instance fields in slot order, parent's fields first
 * (so a subclass keeps every inherited slot index); object-literal shapes have no methods.
 */
export interface ClassLayout {
  name: string;
  kind: "class" | "shape";
  /** Index of the parent class layout, or -1. The runtime parent class value comes from the stack at CLASS. */
  parent: number;
  /** Instance field names in slot order, inherited fields included. */
  fields: string[];
  /** Own methods (instance and static); inherited ones are found through the parent. */
  methods: ClassMethodEntry[];
  /** Function index of the constructor (field initialisers + body), or -1 for shapes. */
  constructorFn: number;
  /** Static field names; CLASS creates them as null and codegen initialises them. */
  staticFields: string[];
  abstract: boolean;
  file: number;
  line: number;
}

export interface GlobalInfo {
  name: string; // qualified for non-entry modules: "util.raya:helper"
  file: number;
}

export interface SourceFileInfo {
  name: string; // as given to compile (a path or a pseudo-name such as "plugin.raya")
  text: string; // embedded so the debugger can show code compiled from strings
}

export interface Program {
  version: number;
  constants: Constant[];
  functions: FunctionProto[];
  classes: ClassLayout[];
  globals: GlobalInfo[];
  files: SourceFileInfo[];
  /** Function index of the entry: runs module initialisers in dependency order and produces the program result. */
  entry: number;
  /**
   * Prelude values the VM needs by name, as the global slot that holds them once the prelude's
   * initialiser has run: Raya-written builtins such as "Array.map" (a closure) and the error
   * classes "Error", "TypeError", "RangeError" (class values the VM instantiates for its own errors).
   */
  intrinsics: { name: string; global: number }[];
}

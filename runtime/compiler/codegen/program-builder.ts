// Program-wide tables under construction: the deduplicated constant pool, the function table,
// the class table (class layouts and object-literal shapes), the globals and the files.
import type * as A from "../ast";
import {
  BYTECODE_VERSION,
  type ClassLayout,
  type Constant,
  type FunctionProto,
  type GlobalInfo,
  type Program,
  type SourceFileInfo,
} from "../../bytecode/module";
import type { CaptureInfo } from "./captures";
import { CodegenError } from "./emitter";

export class ProgramBuilder {
  readonly constants: Constant[] = [];
  readonly functions: FunctionProto[] = [];
  readonly classes: ClassLayout[] = [];
  readonly globals: GlobalInfo[] = [];
  readonly files: SourceFileInfo[] = [];
  readonly intrinsics: { name: string; global: number }[] = [];
  private readonly constantIndex = new Map<string, number>();
  private readonly shapeIndex = new Map<string, number>();
  private readonly fileIndex = new Map<string, number>();
  private readonly layoutByDecl = new Map<A.ClassDecl, number>();

  constructor(readonly captures: CaptureInfo) {}

  addFile(name: string, text: string): number {
    const index = this.files.length;
    this.files.push({ name, text });
    this.fileIndex.set(name, index);
    return index;
  }

  fileOf(name: string): number {
    const index = this.fileIndex.get(name);
    if (index === undefined) throw new CodegenError(`unknown file ${name}`);
    return index;
  }

  addGlobal(name: string, file: number): number {
    this.globals.push({ name, file });
    return this.globals.length - 1;
  }

  string(value: string): number {
    return this.constant(`s${value}`, { kind: "string", value });
  }

  number(value: number, isInt: boolean): number {
    const kind = isInt && (value | 0) === value && !Object.is(value, -0) ? "int" : "number";
    const key = Object.is(value, -0) ? "-0" : String(value);
    return this.constant(kind === "int" ? `i${key}` : `n${key}`, { kind, value });
  }

  /** Consecutive string constants (OBJECT_REST names a run of keys); reuses an existing run. */
  stringRun(values: string[]): number {
    if (values.length === 0) return this.string("");
    const key = `run:${values.join("\u0000")}`;
    const existing = this.constantIndex.get(key);
    if (existing !== undefined) return existing;
    const start = this.constants.length;
    for (const value of values) this.constants.push({ kind: "string", value });
    this.constantIndex.set(key, start);
    return start;
  }

  addFunction(proto: FunctionProto): number {
    this.functions.push(proto);
    return this.functions.length - 1;
  }

  /** The object-literal shape with exactly these keys in this order. */
  shape(keys: string[], file: number, line: number): number {
    const key = keys.join("\u0000");
    const existing = this.shapeIndex.get(key);
    if (existing !== undefined) return existing;
    this.classes.push({
      name: `{${keys.join(", ")}}`,
      kind: "shape",
      parent: -1,
      fields: keys.slice(),
      methods: [],
      constructorFn: -1,
      staticFields: [],
      abstract: false,
      file,
      line,
    });
    const index = this.classes.length - 1;
    this.shapeIndex.set(key, index);
    return index;
  }

  existingLayout(decl: A.ClassDecl): number | undefined {
    return this.layoutByDecl.get(decl);
  }

  /**
   * The layout of a class: fields are the parent's, then parameter properties, then declared
   * instance fields. The parent layout is created first, so parents precede children in the table.
   */
  layout(decl: A.ClassDecl, parent: number, file: number): number {
    const existing = this.layoutByDecl.get(decl);
    if (existing !== undefined) return existing;
    const fields = parent >= 0 ? this.classes[parent].fields.slice() : [];
    const addField = (name: string) => {
      if (!fields.includes(name)) fields.push(name);
    };
    const ctor = decl.members.find((m): m is A.ConstructorMember => m.kind === "Constructor");
    for (const p of ctor?.params ?? []) {
      if (isParameterProperty(p) && p.pattern.kind === "IdentifierPattern") addField(p.pattern.name);
    }
    for (const m of decl.members) if (m.kind === "Field" && !m.static) addField(m.name);
    this.classes.push({
      name: decl.name,
      kind: "class",
      parent,
      fields,
      methods: [],
      constructorFn: -1,
      staticFields: decl.members.filter((m) => m.kind === "Field" && m.static).map((m) => (m as A.FieldMember).name),
      abstract: decl.abstract,
      file,
      line: decl.line,
    });
    const index = this.classes.length - 1;
    this.layoutByDecl.set(decl, index);
    return index;
  }

  private constant(key: string, value: Constant): number {
    const existing = this.constantIndex.get(key);
    if (existing !== undefined) return existing;
    this.constants.push(value);
    const index = this.constants.length - 1;
    this.constantIndex.set(key, index);
    return index;
  }

  finish(entry: number): Program {
    for (const [i, cls] of this.classes.entries()) {
      if (cls.kind === "class" && cls.constructorFn < 0) {
        throw new CodegenError(`class ${i} '${cls.name}' was laid out but never compiled`);
      }
    }
    return {
      version: BYTECODE_VERSION,
      constants: this.constants,
      functions: this.functions,
      classes: this.classes,
      globals: this.globals,
      files: this.files,
      entry,
      intrinsics: this.intrinsics,
    };
  }
}

export function isParameterProperty(p: A.Param): boolean {
  return p.accessibility !== null || p.readonly;
}

// Code generation: structure of the emitted Program (instruction sequences, tables, captures,
// exception regions, line table) and end-to-end runs of compiled programs on the VM.
import * as assert from "node:assert/strict";
import { analyze, compile } from "../../runtime/compiler/compile";
import { CompileError } from "../../runtime/compiler/diagnostics";
import { CodegenError, generate } from "../../runtime/compiler/codegen";
import { verifyProgram } from "../../runtime/bytecode/verify";
import type { FunctionProto, Program } from "../../runtime/bytecode/module";
import { OP_NAMES, OPERAND_COUNT } from "../../runtime/bytecode/opcodes";
import { runProgram } from "../../runtime/vm/run";

const ROOT = "/virtual";

/** Compiles `files` (name -> source, relative to /virtual; the entry is main.raya) and verifies the result. */
function compileFiles(files: Record<string, string>): Program {
  const readFile = (p: string) => files[p.slice(ROOT.length + 1)] ?? null;
  const analysis = analyze(files["main.raya"], { filename: `${ROOT}/main.raya`, readFile });
  assert.deepEqual(analysis.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`), []);
  const program = generate(analysis.graph);
  verifyProgram(program);
  return program;
}

function compileSource(source: string): Program {
  return compileFiles({ "main.raya": source });
}

interface Instr {
  pc: number;
  op: string;
  args: number[];
}

function instructions(fn: FunctionProto): Instr[] {
  const out: Instr[] = [];
  for (let pc = 0; pc < fn.code.length; pc += 1 + OPERAND_COUNT[fn.code[pc]]) {
    const op = fn.code[pc];
    out.push({ pc, op: OP_NAMES[op], args: Array.from(fn.code.subarray(pc + 1, pc + 1 + OPERAND_COUNT[op])) });
  }
  return out;
}

function opNames(fn: FunctionProto): string[] {
  return instructions(fn).map((i) => i.op);
}

function fnNamed(program: Program, name: string): FunctionProto {
  const matches = program.functions.filter((f) => f.name === name);
  assert.equal(matches.length, 1, `expected one function named ${name}, found ${matches.length}`);
  return matches[0];
}

function constantIndex(program: Program, value: string): number {
  const index = program.constants.findIndex((c) => c.kind === "string" && c.value === value);
  assert.ok(index >= 0, `no string constant ${value}`);
  return index;
}

function globalIndex(program: Program, name: string): number {
  const index = program.globals.findIndex((g) => g.name === name);
  assert.ok(index >= 0, `no global ${name}`);
  return index;
}

/** True when `needle` occurs as a contiguous run in `haystack`. */
function containsRun(haystack: string[], needle: string[]): boolean {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((n, j) => haystack[i + j] === n)) return true;
  }
  return false;
}

async function run(source: string): Promise<{ output: string[]; value: unknown }> {
  const outcome = await runProgram(compileSource(source));
  return { output: outcome.output, value: outcome.value };
}

describe("codegen: program layout", () => {
  const files = {
    "main.raya": [
      'import { helper, counter } from "./util";',
      'import * as u from "./util";',
      "const x = helper(1) + u.helper(2);",
      "console.log(x, counter);",
    ].join("\n"),
    "util.raya": "export function helper(n: int): int { return n + 1; }\nexport let counter = 5;\n",
  };

  it("lists the prelude first, then files in dependency order, with their text", () => {
    const program = compileFiles(files);
    assert.deepEqual(program.files.map((f) => f.name), ["<prelude>", `${ROOT}/util.raya`, `${ROOT}/main.raya`]);
    assert.equal(program.files[2].text, files["main.raya"]);
  });

  it("qualifies non-entry globals and binds imports to the exporting module's slot", () => {
    const program = compileFiles(files);
    const helper = globalIndex(program, `${ROOT}/util.raya:helper`);
    globalIndex(program, "x"); // entry-file globals keep bare names
    const init = fnNamed(program, "<module:main.raya>");
    const calls = instructions(init).filter((i) => i.op === "LOAD_GLOBAL" && i.args[0] === helper);
    assert.equal(calls.length, 2, "both helper(1) and u.helper(2) load util's global");
    const helperName = program.constants.findIndex((c) => c.kind === "string" && c.value === "helper");
    assert.ok(!instructions(init).some((i) => i.op === "CALL_METHOD" && i.args[0] === helperName), "a namespace member call is a plain CALL");
  });

  it("lists prelude functions and classes as intrinsics, `$` spelled `.`", () => {
    const program = compileSource("console.log(1);");
    const byName = new Map(program.intrinsics.map((i) => [i.name, i.global]));
    assert.equal(program.globals[byName.get("Array.map")!].name, "Array$map");
    for (const name of ["Error", "TypeError", "RangeError"]) {
      assert.equal(program.globals[byName.get(name)!].name, name);
    }
  });

  it("runs each module initialiser from the entry and awaits an async main", () => {
    const program = compileSource("async function main(): Promise<int> { return 1; }");
    const entry = program.functions[program.entry];
    assert.equal(entry.name, "<entry>");
    assert.deepEqual(opNames(entry), ["CLOSURE", "CALL", "POP", "CLOSURE", "CALL", "RETURN", "PUSH_NULL", "RETURN"]);
    const init = fnNamed(program, "<module:main.raya>");
    assert.ok(containsRun(opNames(init), ["LOAD_GLOBAL", "CALL", "AWAIT", "RETURN"]));
  });

  it("hoists top-level functions before the first statement", () => {
    const program = compileSource("console.log(later());\nfunction later(): int { return 3; }");
    const init = instructions(fnNamed(program, "<module:main.raya>"));
    assert.equal(init[0].op, "CLOSURE");
    assert.equal(program.functions[init[0].args[0]].name, "later");
    assert.deepEqual(init[1], { pc: 2, op: "STORE_GLOBAL", args: [globalIndex(program, "later")] });
  });
});

describe("codegen: expressions", () => {
  it("uses the int opcodes where the checker marked intArith", () => {
    const program = compileSource("let a: int = 1;\nconst b: int = 2;\nconst c = a * b + a;\na++;\nconst d = 1.5 + 2;");
    const ops = opNames(fnNamed(program, "<module:main.raya>"));
    assert.ok(containsRun(ops, ["MUL_I", "LOAD_GLOBAL", "ADD_I"]));
    assert.ok(containsRun(ops, ["PUSH_INT", "ADD_I", "STORE_GLOBAL"]), "a++ on an int");
    assert.ok(ops.includes("ADD"), "1.5 + 2 is a number addition");
  });

  it("compiles o.m(x) to CALL_METHOD, spreads to *_SPREAD and `async f()` to SPAWN", () => {
    const program = compileSource(
      [
        "const xs = [1, 2];",
        "xs.push(3);",
        "xs.push(...xs);",
        "function f(a: int, ...more: int[]): int { return a + more.length; }",
        "f(1, ...xs);",
        "async function g(): Promise<int> { return 1; }",
        "const t = async f(1, 2);",
        "const u = async xs.indexOf(1);",
      ].join("\n"),
    );
    const init = instructions(fnNamed(program, "<module:main.raya>"));
    const push = constantIndex(program, "push");
    assert.ok(init.some((i) => i.op === "CALL_METHOD" && i.args[0] === push && i.args[1] === 1));
    assert.ok(init.some((i) => i.op === "CALL_METHOD_SPREAD" && i.args[0] === push));
    assert.ok(init.some((i) => i.op === "CALL_SPREAD"));
    assert.ok(init.some((i) => i.op === "SPAWN" && i.args[0] === 2));
    assert.ok(init.some((i) => i.op === "SPAWN_METHOD"));
    assert.ok(!init.some((i) => i.op === "GET_PROP"), "no GET_PROP + CALL for member calls");
  });

  it("builds template literals from constants, TO_STRING and ADD", () => {
    const program = compileSource("const n = 3;\nconst s = `a${n}b`;");
    const ops = opNames(fnNamed(program, "<module:main.raya>"));
    assert.ok(containsRun(ops, ["CONST", "LOAD_GLOBAL", "TO_STRING", "ADD", "CONST", "ADD", "STORE_GLOBAL"]));
  });

  it("short-circuits a whole ?. chain to its end", () => {
    const program = compileSource("type T = { a: { b: int } | null };\nconst t: T = { a: null };\nconst r = t.a?.b.toString();");
    const init = instructions(fnNamed(program, "<module:main.raya>"));
    const jump = init.find((i) => i.op === "JUMP_IF_NULL_KEEP")!;
    const store = init.find((i) => i.op === "STORE_GLOBAL" && i.args[0] === globalIndex(program, "r"))!;
    assert.equal(jump.args[0], store.pc, "the null path skips .b and .toString()");
  });

  it("folds constant conditions, keeping the stack depth of nested conditionals", async () => {
    const program = compileSource('console.log(false ? "a" : true ? "b" : "c");');
    const ops = opNames(fnNamed(program, "<module:main.raya>"));
    assert.ok(!ops.includes("JUMP_IF_FALSE") && !ops.includes("PUSH_TRUE"));
    assert.deepEqual((await runProgram(program)).output, ["b"]);
  });

  it("rotates loops so an iteration runs a single conditional jump", () => {
    const program = compileSource("function f(n: int): int {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i;\n  return s;\n}");
    const ops = instructions(fnNamed(program, "f"));
    const backEdge = ops.find((i) => i.op === "JUMP_IF_TRUE")!;
    const entryJump = ops.find((i) => i.op === "JUMP")!;
    assert.ok(backEdge.args[0] < backEdge.pc, "the test jumps back to the body");
    assert.ok(entryJump.args[0] > entryJump.pc, "the loop is entered at its test");
    assert.equal(ops.filter((i) => i.op === "JUMP").length, 1);
  });

  it("reuses one shape for identical object literals and spreads with OBJECT_SPREAD", () => {
    const program = compileSource("const a = { x: 1, y: 2 };\nconst b = { x: 3, y: 4 };\nconst c = { ...a, z: 1 };");
    const shapes = program.classes.filter((c) => c.kind === "shape");
    assert.equal(shapes.filter((s) => s.fields.join() === "x,y").length, 1);
    const ops = opNames(fnNamed(program, "<module:main.raya>"));
    assert.ok(containsRun(ops, ["NEW_OBJECT", "LOAD_GLOBAL", "OBJECT_SPREAD", "PUSH_INT", "NEW_OBJECT", "OBJECT_SPREAD"]));
  });

  it("deduplicates constants", () => {
    const program = compileSource('const a = "same";\nconst b = "same";\nconst c = 2.5 + 2.5;');
    assert.equal(program.constants.filter((c) => c.kind === "string" && c.value === "same").length, 1);
    assert.equal(program.constants.filter((c) => c.kind === "number" && c.value === 2.5).length, 1);
  });
});

describe("codegen: functions, captures and scopes", () => {
  it("boxes captured variables and threads captures through intermediate closures", () => {
    const program = compileSource("function f(n: int): () => () => int {\n  let k = n;\n  return () => () => k + n;\n}");
    const f = fnNamed(program, "f");
    const fOps = instructions(f);
    assert.ok(fOps.some((i) => i.op === "BOX_LOCAL" && i.args[0] === 1), "parameter n is boxed");
    const kSlot = f.locals.find((l) => l.name === "k")!;
    assert.ok(kSlot.boxed);
    assert.ok(fOps.some((i) => i.op === "STORE_BOXED" && i.args[0] === kSlot.slot));
    const arrows = program.functions.filter((fn) => fn.name === "<anonymous>");
    assert.equal(arrows.length, 2);
    const [inner, outer] = arrows; // the innermost arrow is compiled (and added) first
    assert.deepEqual(outer.captures.map((c) => c.fromParentLocal), [true, true]);
    assert.deepEqual(inner.captures.map((c) => c.fromParentLocal), [false, false]);
    assert.ok(opNames(inner).includes("LOAD_CAPTURE"));
  });

  it("gives each `for (let ...)` iteration a fresh box", () => {
    const program = compileSource("const fs: (() => int)[] = [];\nfor (let i = 0; i < 3; i++) fs.push(() => i);");
    const init = fnNamed(program, "<module:main.raya>");
    const slot = init.locals.find((l) => l.name === "i")!.slot;
    const ops = instructions(init).map((i) => `${i.op} ${i.args.join(" ")}`.trim());
    assert.ok(containsRun(ops, [`LOAD_BOXED ${slot}`, `STORE_LOCAL ${slot}`, `BOX_LOCAL ${slot}`]));
  });

  it("computes default parameters behind JUMP_IF_NOT_ABSENT", () => {
    const program = compileSource("function f(a: int, b: int = 2, c?: int): int { return a + b; }");
    const ops = instructions(fnNamed(program, "f"));
    assert.deepEqual(ops.slice(0, 3).map((i) => i.op), ["JUMP_IF_NOT_ABSENT", "PUSH_INT", "STORE_LOCAL"]);
    assert.equal(ops[0].args[0], 2);
    assert.equal(ops[0].args[1], ops[3].pc);
    assert.deepEqual(ops.slice(3, 6).map((i) => `${i.op} ${i.args[0] ?? ""}`), ["JUMP_IF_NOT_ABSENT 3", "PUSH_NULL ", "STORE_LOCAL 3"]);
  });

  it("records named locals with their live ranges", () => {
    const program = compileSource("function f(p: int): int {\n  let a = p;\n  {\n    const b = a;\n    a = b;\n  }\n  return a;\n}");
    const f = fnNamed(program, "f");
    const byName = new Map(f.locals.map((l) => [l.name, l]));
    assert.equal(byName.get("p")!.slot, 1);
    const a = byName.get("a")!;
    const b = byName.get("b")!;
    assert.ok(b.startPc >= a.startPc && b.endPc <= a.endPc && b.endPc > b.startPc);
    assert.ok(a.endPc > 0);
  });

  it("adds a line-table row for each statement and call line", () => {
    const program = compileSource("function g(): int { return 1; }\nfunction f(): int {\n  const a = 1;\n  return g() +\n    g();\n}");
    const lines = fnNamed(program, "f").lines.map((l) => l.line);
    for (const line of [3, 4, 5]) assert.ok(lines.includes(line), `line ${line} in ${lines}`);
  });

  it("keeps `this` for arrows in a boxed hidden local of the method", () => {
    const program = compileSource("class A {\n  k = 2;\n  m(xs: int[]): int[] { return xs.map((x) => x * this.k); }\n}");
    const m = fnNamed(program, "A.m");
    assert.ok(m.isMethod);
    assert.ok(containsRun(opNames(m), ["LOAD_LOCAL", "STORE_LOCAL", "BOX_LOCAL"]));
    const arrow = program.functions.find((f) => f.name === "<anonymous>")!;
    assert.deepEqual(arrow.captures, [{ fromParentLocal: true, index: m.arity + 1 }]);
  });
});

describe("codegen: classes", () => {
  const source = [
    "class A {",
    "  a = 1;",
    "  constructor(public p: int, q: int = 3) {}",
    "  m(): int { return this.a; }",
    "  static s = 5;",
    "}",
    "class B extends A {",
    "  b = 2;",
    "  m(): int { return super.m() + this.b; }",
    "}",
  ].join("\n");

  it("lays out parent fields first and lists own methods and statics", () => {
    const program = compileSource(source);
    const a = program.classes.find((c) => c.name === "A")!;
    const b = program.classes.find((c) => c.name === "B")!;
    assert.deepEqual(a.fields, ["p", "a"]);
    assert.deepEqual(b.fields, ["p", "a", "b"]);
    assert.equal(program.classes[b.parent], a);
    assert.deepEqual(a.staticFields, ["s"]);
    assert.deepEqual(b.methods.map((m) => `${m.kind} ${m.name}`), ["method m"]);
    assert.ok(opNames(program.functions[b.methods[0].fn]).includes("SUPER_METHOD"));
  });

  it("initialises parameter properties then fields in a base constructor", () => {
    const program = compileSource(source);
    const ctor = program.functions[program.classes.find((c) => c.name === "A")!.constructorFn];
    const sets = instructions(ctor).filter((i) => i.op === "SET_PROP").map((i) => (program.constants[i.args[0]] as { value: string }).value);
    assert.deepEqual(sets, ["p", "a"]);
  });

  it("synthesizes a derived constructor that forwards its arguments, then initialises fields", () => {
    const program = compileSource(source);
    const ctor = program.functions[program.classes.find((c) => c.name === "B")!.constructorFn];
    assert.equal(ctor.arity, 2);
    assert.ok(ctor.isMethod);
    assert.deepEqual(opNames(ctor).slice(0, 5), ["LOAD_GLOBAL", "LOAD_LOCAL", "LOAD_LOCAL", "LOAD_LOCAL", "SUPER_CALL"]);
    assert.ok(containsRun(opNames(ctor), ["SUPER_CALL", "LOAD_LOCAL", "PUSH_INT", "SET_PROP", "POP"]));
  });

  it("initialises static fields after CLASS", () => {
    const program = compileSource(source);
    const ops = opNames(fnNamed(program, "<module:main.raya>"));
    assert.ok(containsRun(ops, ["CLASS", "DUP", "STORE_GLOBAL", "DUP", "PUSH_INT", "SET_PROP", "POP", "POP"]));
  });
});

describe("codegen: exceptions", () => {
  const source = [
    "function h(): void {}",
    "function g(): int { return 1; }",
    "function f(): int {",
    "  let r = 0;",
    "  try {",
    "    if (g() > 0) return g();",
    "  } finally {",
    "    h();",
    "  }",
    "  return r;",
    "}",
  ].join("\n");

  it("duplicates finally on every exit and keeps the copies outside the protected range", () => {
    const program = compileSource(source);
    const f = fnNamed(program, "f");
    const hGlobal = globalIndex(program, "h");
    const hCalls = instructions(f).filter((i) => i.op === "LOAD_GLOBAL" && i.args[0] === hGlobal);
    assert.equal(hCalls.length, 3, "return path, fall-through path and the rethrowing handler");
    assert.equal(f.handlers.length, 1);
    const [handler] = f.handlers;
    assert.equal(handler.stackDepth, 0);
    for (const call of hCalls) {
      assert.ok(call.pc < handler.startPc || call.pc >= handler.endPc, `h() at ${call.pc} is not protected by its own finally`);
    }
    const afterHandler = instructions(f).filter((i) => i.pc >= handler.handlerPc).map((i) => i.op);
    assert.deepEqual(afterHandler.slice(0, 1), ["STORE_LOCAL"]);
    assert.ok(containsRun(afterHandler, ["POP", "LOAD_LOCAL", "THROW"]));
  });

  it("lists inner handlers before outer ones and records the operand depth at the try", () => {
    const program = compileSource(
      "function f(xs: int[]): int {\n  for (const x of xs) {\n    try {\n      try { return x; } catch (e) { return 1; }\n    } catch (e) { return 2; }\n  }\n  return 0;\n}",
    );
    const f = fnNamed(program, "f");
    assert.equal(f.handlers.length, 2);
    const [inner, outer] = f.handlers;
    assert.ok(inner.startPc >= outer.startPc && inner.endPc <= outer.endPc);
    assert.equal(inner.stackDepth, 1, "the for...of iterator is on the operand stack");
  });
});

describe("codegen: programs run on the VM", () => {
  it("runs control flow through finally, labels and closures", async () => {
    const { output } = await run(
      [
        "function f1(): string {",
        "  const log: string[] = [];",
        "  outer: for (const x of [1, 2, 3]) {",
        "    for (let i = 0; i < 3; i++) {",
        "      try {",
        "        if (i === 1) continue;",
        "        if (x === 2) continue outer;",
        "        if (x === 3) break outer;",
        "        log.push(`${x}.${i}`);",
        "      } finally {",
        '        log.push("f");',
        "      }",
        "    }",
        "  }",
        '  return log.join(",");',
        "}",
        "console.log(f1());",
        "function f4(): int {",
        "  for (;;) { try { return 4; } finally { break; } }",
        "  return 5;",
        "}",
        "console.log(f4());",
        "function f6(): string {",
        '  let s = "";',
        "  try {",
        '    try { s += "a"; } finally { throw new Error("from finally"); }',
        '  } catch (e) { if (e instanceof Error) s += "b:" + e.message; }',
        "  return s;",
        "}",
        "console.log(f6());",
        "const fns: (() => int)[] = [];",
        "for (let i = 0; i < 3; i++) fns.push(() => i);",
        "for (const v of [7, 8]) fns.push(() => v);",
        'console.log(fns.map((g) => g()).join(","));',
        'switch (3) { case 1: console.log("one"); case 3: console.log("three"); case 4: console.log("four"); break; default: console.log("d"); }',
        'switch (9) { case 1: console.log("one"); default: console.log("dflt"); case 4: console.log("four2"); }',
      ].join("\n"),
    );
    assert.deepEqual(output, ["1.0,f,f,1.2,f,f,f", "5", "ab:from finally", "0,1,2,7,8", "three", "four", "dflt", "four2"]);
  });

  it("runs assignments, updates, destructuring and object methods", async () => {
    const { output } = await run(
      [
        "type P = { a: int; b: int | null };",
        "const o: P = { a: 1, b: null };",
        "o.b ??= 5; o.b ??= 9; o.a += 2; o.a++;",
        "console.log(o.a, o.b, o.a++, ++o.a, o.a--);",
        "const arr = [1, 2, 3];",
        "arr[0] += 10; arr[1]++;",
        "console.log(arr[0], arr[1], arr[2]--, arr[2]);",
        "let q: int | null = null;",
        "console.log(q ?? 3, q?.toString(), (q ||= 4), q);",
        "const obj = { n: 1, inc(): int { this.n++; return this.n; }, later(): () => int { return () => this.n * 10; } };",
        "obj.inc();",
        "console.log(obj.later()());",
        "function ds({ x, y = 3 }: { x: int; y?: int }, [p, , r = 9]: int[]): string { return `${x} ${y} ${p} ${r}`; }",
        "console.log(ds({ x: 1 }, [4, 5]));",
        "const fact = function me(n: int): int { return n <= 1 ? 1 : n * me(n - 1); };",
        "console.log(fact(5));",
        "const { a, ...rest } = { a: 1, b: 2, c: 3 };",
        "let m1 = 0;",
        "let m2 = 0;",
        "[m1, m2] = [5, 6];",
        "[m1, m2] = [m2, m1];",
        "console.log(a, rest, m1, m2);",
      ].join("\n"),
    );
    assert.deepEqual(output, ["4 5 4 6 6", "11 3 3 2", "3 null 4 4", "20", "1 3 4 9", "120", "1 { b: 2, c: 3 } 6 5"]);
  });

  it("runs classes: super calls from arrows, local classes, accessors, statics and Error subclasses", async () => {
    const { output } = await run(
      [
        "class Base {",
        '  tag = "base";',
        "  constructor(public id: int = 7) {}",
        "  hello(x: int): string { return `hello ${x} from ${this.tag}#${this.id}`; }",
        "  get double(): int { return this.id * 2; }",
        "  static make(): Base { return new Base(1); }",
        "  static count = 3;",
        "}",
        "class Derived extends Base {",
        "  extra: int = this.id + 100;",
        "  hello(x: int): string {",
        "    const viaArrow = () => super.hello(x + 1);",
        '    return "D:" + viaArrow() + "/" + super.hello(x);',
        "  }",
        "}",
        "const d = new Derived();",
        "console.log(d.hello(1), d.extra, d.double, Base.make().id, Derived.count);",
        "class Plain extends Derived {}",
        "console.log(new Plain(5).hello(0), new Plain().id);",
        "function makeClass(k: int): () => int {",
        "  class Local { v: int = k; get(): int { return this.v + k; } }",
        "  class Sub extends Local { get(): int { return super.get() * 10; } }",
        "  return () => new Sub().get();",
        "}",
        "console.log(makeClass(2)());",
        'class E2 extends Error { constructor(m: string) { super(m); this.name = "E2"; } }',
        'try { throw new E2("boom"); } catch (e) { if (e instanceof E2) console.log(e instanceof Error, e.message, e.name); }',
      ].join("\n"),
    );
    assert.deepEqual(output, [
      "D:hello 2 from base#7/hello 1 from base#7 107 14 1 3",
      "D:hello 1 from base#5/hello 0 from base#5 7",
      "40",
      "true boom E2",
    ]);
  });

  it("returns the result of an async main, and a top-level return beats main", async () => {
    const asyncMain = await run(
      [
        "async function work(n: int): Promise<int> { await sleep(1); return n * 2; }",
        "async function main(): Promise<int> {",
        "  const both = await [work(1), async work(2)];",
        "  return both[0] + both[1];",
        "}",
      ].join("\n"),
    );
    assert.equal(asyncMain.value, 6);
    const early = await run("function main(): int { return 1; }\nreturn 2;");
    assert.equal(early.value, 2);
  });

  it("runs imported functions, classes and re-exported bindings across modules", async () => {
    const program = compileFiles({
      "main.raya": 'import { Point, origin } from "./geo";\nimport * as g from "./geo";\nconsole.log(origin().x, new g.Point(3, 4).len());',
      "geo.raya":
        "export class Point {\n  constructor(public x: number, public y: number) {}\n  len(): number { return Math.sqrt(this.x * this.x + this.y * this.y); }\n}\nexport function origin(): Point { return new Point(0, 0); }\n",
    });
    const outcome = await runProgram(program);
    assert.deepEqual(outcome.output, ["0 5"]);
  });

  it("runs for...of over existing targets and breaks out of labelled blocks", async () => {
    const { output } = await run(
      [
        "let a = 0;",
        "let b = 0;",
        "for ([a, b] of [[1, 2], [3, 4]]) console.log(a + b);",
        "const o = { v: 0 };",
        "for (o.v of [9]) {}",
        "blk: {",
        "  if (o.v > 1) break blk;",
        '  console.log("not here");',
        "}",
        "console.log(o.v);",
      ].join("\n"),
    );
    assert.deepEqual(output, ["3", "7", "9"]);
  });
});

describe("codegen: unsupported constructs", () => {
  it("reports `async super(...)` with its position instead of miscompiling", () => {
    const source = ["class A {}", "class B extends A {", "  constructor() {", "    async super();", "  }", "}"].join("\n");
    const analysis = analyze(source, { filename: `${ROOT}/main.raya`, readFile: () => null });
    assert.deepEqual(analysis.diagnostics, []);
    assert.throws(() => generate(analysis.graph), (error: unknown) => {
      assert.ok(error instanceof CodegenError);
      assert.match(error.message, /^`async` cannot run a super\(\.\.\.\) constructor call in a new Task$/);
      assert.deepEqual(error.at, { file: `${ROOT}/main.raya`, line: 4, column: 11 });
      return true;
    });
    assert.throws(() => compile(source, { filename: `${ROOT}/main.raya`, readFile: () => null }), (error: unknown) => {
      assert.ok(error instanceof CompileError);
      assert.deepEqual(error.diagnostics.map((d) => [d.line, d.column]), [[4, 11]]);
      return true;
    });
  });
});

describe("codegen: destructuring targets, static this, standard modules", () => {
  it("destructures into elements and properties, keeping the instruction order of plain assignments", async () => {
    const { output } = await run(
      [
        "const xs = [1, 2, 3];",
        "[xs[0], xs[2]] = [xs[2], xs[0]];",
        "const o = { a: 0, b: \"\" };",
        "({ a: o.a, b: o.b } = { a: 7, b: \"x\" });",
        "for ([o.a, xs[1]] of [[8, 9]]) {}",
        "console.log(xs, o.a, o.b);",
      ].join("\n"),
    );
    assert.deepEqual(output, ["[ 3, 9, 1 ] 8 x"]);
    const program = compileSource("const o = { a: 0 };\n[o.a] = [1];");
    assert.ok(containsRun(opNames(fnNamed(program, "<module:main.raya>")), ["STORE_LOCAL", "LOAD_GLOBAL", "LOAD_LOCAL", "SET_PROP", "POP"]));
  });

  it("binds `this` in static initialisers to the class, also in arrows created there", async () => {
    const { output } = await run("class C {\n  static a: int = 2;\n  static b: int = this.a * 10;\n  static f = () => this.a + this.b;\n}\nconsole.log(C.b, C.f());");
    assert.deepEqual(output, ["20 22"]);
  });

  it("compiles std:math and std:logger as modules named by their specifier", async () => {
    const source = [
      "import { floor, clamp, PI } from \"std:math\";",
      "import { createLogger } from \"std:logger\";",
      "const log = createLogger(\"t\", \"info\");",
      "log.debug(\"no\");",
      "log.info(`${floor(PI)} ${clamp(9, 0, 5)}`);",
    ].join("\n");
    const program = compile(source, { filename: `${ROOT}/main.raya`, readFile: () => null });
    assert.deepEqual(program.files.map((f) => f.name), ["<prelude>", "std:math", "std:logger", `${ROOT}/main.raya`]);
    const outcome = await runProgram(program);
    assert.deepEqual(outcome.output, ["[info] t: 3 5"]);
  });

  it("reports an unknown std: module at its specifier", () => {
    const analysis = analyze("import { x } from \"std:nope\";", { filename: `${ROOT}/main.raya`, readFile: () => null });
    assert.deepEqual(analysis.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`), ["1:19 Cannot find module 'std:nope'."]);
  });
});

// The checker across files (imports, exports, entry-only statements) and its annotations
// for codegen and the language server (intArith flags, typeOf).
import { strict as assert } from "node:assert";
import { checkSource, errorsOf } from "./checker-helpers";
import type * as A from "../../runtime/compiler/ast";

describe("checker: modules", () => {
  const util = "export function twice(n: int): int { return n * 2; }\nexport const NAME = \"util\";\nexport class Box { constructor(public v: int) {} }\nexport type Pair = [int, int];\nexport interface Shape { area(): number; }\nfunction hidden(): void {}\n";
  it("named imports of values and types", () => {
    assert.deepEqual(errorsOf("import { twice, NAME, Box, Pair, Shape } from \"./util\";\nconst n: int = twice(2);\nconst s: string = NAME;\nconst b = new Box(1);\nconst p: Pair = [1, 2];\nlet sh: Shape | null = null;", { "util.raya": util }), []);
  });
  it("imported types are checked", () => {
    assert.deepEqual(errorsOf("import { twice } from \"./util\";\ntwice(\"a\");", { "util.raya": util }), ["2:7 Argument of type 'string' is not assignable to parameter of type 'int'."]);
  });
  it("missing export", () => {
    assert.deepEqual(errorsOf("import { hidden } from \"./util\";\nhidden();", { "util.raya": util }), ["1:10 Module './util' has no exported member 'hidden'."]);
  });
  it("missing module", () => {
    assert.deepEqual(errorsOf("import { a } from \"./nope\";\nconsole.log(a);"), ["1:19 Cannot find module './nope'."]);
  });
  it("namespace import", () => {
    assert.deepEqual(errorsOf("import * as u from \"./util\";\nconst n: int = u.twice(1);\nconst p: u.Pair = [1, 2];\nu.nothing;", { "util.raya": util }), ["4:3 Property 'nothing' does not exist on type 'typeof import(\"./util\")'."]);
  });
  it("imports are read-only", () => {
    assert.deepEqual(errorsOf("import { NAME } from \"./util\";\nNAME = \"x\";", { "util.raya": util }), ["2:1 Cannot assign to 'NAME' because it is an import."]);
  });
  it("export specifiers with renames", () => {
    assert.deepEqual(errorsOf("import { double } from \"./lib\";\nconst n: int = double(2);", { "lib.raya": "function twice(n: int): int { return n * 2; }\nexport { twice as double };" }), []);
  });
  it("raya:vm binds its declared exports; a name it lacks is an error naming it", () => {
    assert.deepEqual(errorsOf("import { Vm, Compiler, VmError, VmStats } from \"raya:vm\";\nconst vm: Vm = new Vm({ name: \"p\" });\nconst s: VmStats = vm.getStats();"), []);
    assert.deepEqual(errorsOf("import { Sandbox } from \"raya:vm\";"), ["1:10 Module 'raya:vm' has no exported member 'Sandbox'."]);
    assert.deepEqual(errorsOf("import { Vm } from \"raya:vm\";\nconst vm = new Vm({ name: 1 });").length, 1);
  });
  it("without an import, the raya:vm names do not exist", () => {
    assert.deepEqual(errorsOf("const vm = new Vm();"), ["1:16 Cannot find name 'Vm'."]);
  });
  it("errors in imported files are reported in that file", () => {
    assert.deepEqual(errorsOf("import { x } from \"./lib\";\nconsole.log(x);", { "lib.raya": "export const x: int = \"a\";" }), ["lib.raya:1:23 Type 'string' is not assignable to type 'int'."]);
  });
  it("top-level return only in the entry file", () => {
    assert.deepEqual(errorsOf("import { x } from \"./lib\";\nreturn x;", { "lib.raya": "export const x = 1;\nreturn 2;" }), ["lib.raya:2:1 A 'return' statement can only be used within a function body."]);
  });
  it("top-level await only in the entry file", () => {
    assert.deepEqual(
      errorsOf("import { x } from \"./lib\";\nconsole.log(x);", { "lib.raya": "async function f(): Task<int> { return 1; }\nexport const x = await f();" }),
      ["lib.raya:2:18 'await' expressions are only allowed within async functions and at the top levels of modules."],
    );
  });
  it("prelude error classes are visible in every file", () => {
    assert.deepEqual(errorsOf("import { fail } from \"./lib\";\nfail();", { "lib.raya": "export function fail(): void { throw new RangeError(\"r\"); }" }), []);
  });
});

function findNodes<K extends string>(root: unknown, kind: K): (A.Node & { kind: K })[] {
  const out: (A.Node & { kind: K })[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== "object") return;
    if ((v as { kind?: string }).kind === kind) out.push(v as A.Node & { kind: K });
    for (const x of Object.values(v)) if (x && typeof x === "object") visit(x);
  };
  visit(root);
  return out;
}

describe("checker: annotations for codegen", () => {
  function binaries(src: string): A.BinaryExpr[] {
    const { files, errors } = checkSource(src);
    assert.deepEqual(errors, []);
    return findNodes(files.get("main.raya")!.body, "Binary") as A.BinaryExpr[];
  }
  it("marks int + int as intArith", () => {
    const [b] = binaries("let a = 1; let b = 2; const c = a + b;");
    assert.equal(b.intArith, true);
  });
  it("does not mark number arithmetic", () => {
    const [b] = binaries("let a = 1.5; let b = 2; const c = a * b;");
    assert.equal(b.intArith, false);
  });
  it("does not mark division or string concatenation", () => {
    const bs = binaries("let a = 1; let b = 2; const c = a / b; const s = \"x\" + a;");
    assert.deepEqual(bs.map((b) => b.intArith), [false, false]);
  });
  it("marks unary minus, update and compound assignment on ints", () => {
    const { files } = checkSource("let a = 1; a++; a += 2; const m = -a; let n = 1.5; n++; n -= 1;");
    const body = files.get("main.raya")!.body;
    assert.deepEqual((findNodes(body, "Update") as A.UpdateExpr[]).map((u) => u.intArith), [true, false]);
    assert.deepEqual((findNodes(body, "Assign") as A.AssignExpr[]).map((u) => u.intArith), [true, false]);
    assert.deepEqual((findNodes(body, "Unary") as A.UnaryExpr[]).map((u) => u.intArith), [true]);
  });
  it("marks int arithmetic inside callbacks checked more than once", () => {
    const [b] = binaries("const xs = [1, 2]; const ys = xs.map(x => x * 2);");
    assert.equal(b.intArith, true);
  });
  it("typeOf and typeToString describe expressions", () => {
    const { result, files } = checkSource("const m = new Map<string, int>(); const xs = [1, 2]; const t: [int, string] = [1, \"a\"]; const f = (x: int): int => x; const o = { x: 1, y: 2 }; const s: string | null = null;");
    const decls = findNodes(files.get("main.raya")!.body, "VarDeclarator") as A.VarDeclarator[];
    const shown = decls.map((d) => result.typeToString(result.typeOf(d.init!)!));
    assert.deepEqual(shown, ["Map<string, int>", "int[]", "[1, \"a\"]", "(x: int) => int", "{ x: int; y: int }", "null"]);
  });
  it("typeOf reports narrowed types", () => {
    const { result, files } = checkSource("function f(s: string | null): int { if (s !== null) { return s.length; } return 0; }");
    const member = findNodes(files.get("main.raya")!.body, "Member")[0] as A.MemberExpr;
    assert.equal(result.typeToString(result.typeOf(member.object)!), "string");
  });
});

describe("checker: namespace imports and type re-exports", () => {
  it("rejects a namespace import used as a value", () => {
    assert.deepEqual(errorsOf("import * as u from \"./util\";\nconst v = u;\nu.f();", { "util.raya": "export function f(): void {}" }), [
      "2:11 Namespace import 'u' cannot be used as a value; use its members, as in 'u.name'.",
    ]);
  });

  it("re-exports an imported type with export { T }", () => {
    const others = { "a.raya": "export type T = { n: int };", "b.raya": "import { T } from \"./a\";\nexport { T, T as U };" };
    assert.deepEqual(errorsOf("import { T, U } from \"./b\";\nconst t: T = { n: 1 };\nconst u: U = t;", others), []);
    assert.deepEqual(errorsOf("import { T } from \"./b\";\nconst v = T;", others), ["2:11 Cannot find name 'T'."]);
  });
});

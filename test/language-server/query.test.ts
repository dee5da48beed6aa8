// runtime/compiler/query.ts: the questions the language server asks of an analysed program.
import { strict as assert } from "node:assert";
import { analyze, query } from "../../runtime/index";

const FILE = "/virtual/main.raya";

function analyzeText(text: string, files: Record<string, string> = {}) {
  const analysis = analyze(text, { filename: FILE, readFile: (p) => files[p] ?? null });
  const file = analysis.graph.byName.get(FILE)!;
  return { analysis, file };
}

describe("compiler queries (runtime/compiler/query.ts)", () => {
  it("finds the chain of nodes at an offset, innermost last", () => {
    const text = "const total = Math.max(1, 2);\n";
    const { file } = analyzeText(text);
    const kinds = query.nodePathAt(file, text.indexOf("max") + 1).map((n) => n.kind);
    assert.deepEqual(kinds, ["VarDecl", "VarDeclarator", "Call", "Member"]);
    assert.deepEqual(query.nodePathAt(file, text.length), []);
  });

  it("gives the type of the expression at an offset", () => {
    const text = "const xs = [1, 2, 3];\nconst n = xs.length;\n";
    const { analysis, file } = analyzeText(text);
    const at = query.typeAt(analysis, file, text.indexOf("xs.length") + 1);
    assert.equal(at?.node.kind, "Identifier");
    assert.equal(at?.type, "int[]");
    assert.equal(query.typeAt(analysis, file, text.indexOf("length") + 2)?.type, "int");
  });

  it("finds definitions in other files and the span of the declared name", () => {
    const util = "/virtual/util.raya";
    const utilText = "export class Box {\n  value: int = 0;\n}\n";
    const text = 'import { Box } from "./util";\nconst b = new Box();\nconst v = b.value;\n';
    const { analysis, file } = analyzeText(text, { [util]: utilText });
    assert.deepEqual(analysis.diagnostics, []);
    const cls = query.definitionAt(analysis, file, text.indexOf("Box()") + 1)!;
    assert.equal(cls.kind, "ClassDecl");
    assert.equal(cls.file, util);
    assert.deepEqual(query.nameSpan(cls, utilText), { start: 13, end: 16 });
    const field = query.definitionAt(analysis, file, text.indexOf("value;") + 1)!;
    assert.equal(field.kind, "Field");
    assert.equal(utilText.slice(query.nameSpan(field, utilText).start, query.nameSpan(field, utilText).end), "value");
    assert.equal(query.definitionAt(analysis, file, 0), null);
  });

  it("outlines top-level declarations with class and interface members, including destructured names", () => {
    const text = "const [a, b] = [1, 2];\nexport interface Named {\n  name: string;\n  greet(): string;\n}\nclass K {\n  static n: int = 0;\n}\n";
    const { file } = analyzeText(text);
    const outline = query.documentOutline(file);
    assert.deepEqual(outline.map((s) => [s.name, s.kind]), [["a", "constant"], ["b", "constant"], ["Named", "interface"], ["K", "class"]]);
    assert.deepEqual(outline[2].children.map((c) => [c.name, c.kind]), [["name", "property"], ["greet", "method"]]);
    assert.equal(text.slice(outline[1].nameStart, outline[1].nameEnd), "b");
  });

  it("lists the public members of classes (with type arguments applied), objects and builtins", () => {
    const text = "class Pair<T> {\n  first: T;\n  private secret: int = 0;\n  constructor(f: T) { this.first = f; }\n  get(): T { return this.first; }\n}\nconst p = new Pair<string>(\"a\");\nconst o = { x: 1, y: \"s\" };\nconst maybe: string | null = null;\n";
    const { analysis, file } = analyzeText(text);
    assert.deepEqual(analysis.diagnostics, []);
    const typeOfDeclared = (name: string) => {
      const offset = text.indexOf(`const ${name}`) + 6;
      const declarator = query.nodePathAt(file, offset).find((n) => n.kind === "VarDeclarator")!;
      assert.ok(declarator.kind === "VarDeclarator" && declarator.init);
      return analysis.check.typeOf(declarator.init)!;
    };
    assert.deepEqual(query.membersOfType(typeOfDeclared("p")), [
      { name: "first", kind: "field", detail: "string" },
      { name: "get", kind: "method", detail: "() => string" },
    ]);
    assert.deepEqual(query.membersOfType(typeOfDeclared("o")).map((m) => [m.name, m.detail]), [["x", "int"], ["y", "string"]]);
    const stringMembers = query.membersOfType({ kind: "string" }).map((m) => m.name);
    assert.ok(stringMembers.includes("padStart") && stringMembers.includes("length"));
    assert.deepEqual(query.membersOfType({ kind: "boolean" }), []);
  });

  it("lists the names in scope at an offset", () => {
    const text = "import { helper } from \"./h\";\nfunction f<T>(a: T, ...rest: int[]): void {\n  for (const item of rest) {\n    \n  }\n}\nlet after = 1;\n";
    const { analysis, file } = analyzeText(text, { "/virtual/h.raya": "export function helper(): void {}\n" });
    const inLoop = query.namesInScope(analysis, file, text.indexOf("    \n") + 4).map((n) => n.name);
    for (const name of ["helper", "f", "T", "a", "rest", "item", "after", "Math", "Error"]) {
      assert.ok(inLoop.includes(name), `${name} missing`);
    }
    const atTop = query.namesInScope(analysis, file, text.length).map((n) => n.name);
    assert.ok(!atTop.includes("item") && !atTop.includes("a"));
  });
});

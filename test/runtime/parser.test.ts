import { strict as assert } from "assert";
import type * as A from "../../runtime/compiler/ast";
import { parse } from "../../runtime/compiler/parser";

// ------------------------------------------------------------------ helpers

function parseOk(text: string): A.Stmt[] {
  const r = parse(text, "t.raya");
  assert.deepEqual(r.diagnostics.map(fmt), [], `unexpected diagnostics for:\n${text}`);
  return r.ast.body;
}
function fmt(d: { line: number; column: number; message: string }): string {
  return `${d.line}:${d.column} ${d.message}`;
}
function errs(text: string): string[] {
  return parse(text, "t.raya").diagnostics.map(fmt);
}
function stmt<K extends A.Stmt["kind"]>(text: string, kind: K): Extract<A.Stmt, { kind: K }> {
  const body = parseOk(text);
  assert.equal(body.length, 1, "expected one statement");
  assert.equal(body[0].kind, kind);
  return body[0] as Extract<A.Stmt, { kind: K }>;
}
function expr(text: string): A.Expr {
  return stmt(text, "ExprStmt").expression;
}
function init(text: string): A.Expr {
  const decl = stmt(text, "VarDecl");
  const e = decl.declarations[0].init;
  assert.ok(e);
  return e;
}
function typeOf(text: string): A.TypeNode {
  return stmt(`type T = ${text};`, "TypeAlias").type;
}

/** A compact rendering of expressions, for precedence and shape checks. */
function show(n: A.Expr | A.SpreadElement | A.Pattern | A.TypeNode | null): string {
  if (n === null) return "_";
  switch (n.kind) {
    case "NumberLiteral": return n.raw;
    case "StringLiteral": return JSON.stringify(n.value);
    case "BooleanLiteral": return String(n.value);
    case "NullLiteral": return "null";
    case "Identifier": return n.name;
    case "This": return "this";
    case "Super": return "super";
    case "TemplateLiteral": return `(tpl ${n.quasis.map((q) => JSON.stringify(q)).join(" ")}${n.expressions.map((e) => " " + show(e)).join("")})`;
    case "ArrayLiteral": return `[${n.elements.map(show).join(" ")}]`;
    case "ObjectLiteral": return `{${n.properties.map((p) => p.kind === "Spread" ? show(p) : p.kind === "ObjectMethod" ? `${p.key}()` : p.shorthand ? `${p.key}` : `${p.key}:${show(p.value)}`).join(" ")}}`;
    case "Spread": return `...${show(n.argument)}`;
    case "FunctionExpr": return `(function ${n.name ?? "_"})`;
    case "ArrowFunction": return `(${n.async ? "async " : ""}=> (${n.params.map((p) => show(p.pattern)).join(" ")}) ${n.body.kind === "Block" ? "{}" : show(n.body)})`;
    case "Call": return `(call${n.optional ? "?" : ""} ${show(n.callee)}${n.typeArgs.length ? ` <${n.typeArgs.map(show).join(" ")}>` : ""}${n.args.map((a) => " " + show(a)).join("")})`;
    case "AsyncCall": return `(async ${show(n.call)})`;
    case "New": return `(new ${show(n.callee)}${n.typeArgs.length ? ` <${n.typeArgs.map(show).join(" ")}>` : ""}${n.args.map((a) => " " + show(a)).join("")})`;
    case "Member": return `${show(n.object)}${n.optional ? "?." : "."}${n.name}`;
    case "Index": return `${show(n.object)}${n.optional ? "?." : ""}[${show(n.index)}]`;
    case "Unary": return `(${n.op} ${show(n.operand)})`;
    case "Update": return n.prefix ? `(${n.op}pre ${show(n.operand)})` : `(${n.op}post ${show(n.operand)})`;
    case "Binary": return `(${n.op} ${show(n.left)} ${show(n.right)})`;
    case "Assign": return `(${n.op} ${show(n.target)} ${show(n.value)})`;
    case "Conditional": return `(? ${show(n.test)} ${show(n.consequent)} ${show(n.alternate)})`;
    case "Await": return `(await ${show(n.argument)})`;
    case "As": return `(as ${show(n.expression)} ${show(n.type)})`;
    case "Paren": return `(paren ${show(n.expression)})`;
    case "ErrorExpr": return "<error>";
    case "IdentifierPattern": return n.name;
    case "MemberTargetPattern": return `(target ${show(n.target)})`;
    case "ArrayPattern": return `[${n.elements.map((e) => e === null ? "_" : e.default ? `${show(e.target)}=${show(e.default)}` : show(e.target)).join(" ")}${n.rest ? " ..." + show(n.rest) : ""}]`;
    case "ObjectPattern": return `{${n.properties.map((p) => `${p.key}:${show(p.target)}${p.default ? "=" + show(p.default) : ""}`).join(" ")}${n.rest ? " ..." + show(n.rest) : ""}}`;
    case "TypeRef": return n.typeArgs.length ? `${n.name}<${n.typeArgs.map(show).join(" ")}>` : n.name;
    case "ArrayType": return `${show(n.element)}[]`;
    case "TupleType": return `[${n.elements.map(show).join(" ")}]`;
    case "UnionType": return `(| ${n.types.map(show).join(" ")})`;
    case "IntersectionType": return `(& ${n.types.map(show).join(" ")})`;
    case "ParenType": return `(paren ${show(n.type)})`;
    case "LiteralType": return JSON.stringify(n.value);
    case "FunctionType": return `(fn (${n.params.map((p) => `${show(p.pattern)}:${show(p.type)}`).join(" ")}) ${show(n.returnType)})`;
    case "ObjectType": return `{${n.members.map((m) => m.kind === "PropertySignature" ? `${m.readonly ? "readonly " : ""}${m.name}${m.optional ? "?" : ""}:${show(m.type)}` : `${m.name}()`).join(" ")}}`;
  }
}
function showExpr(text: string): string {
  return show(expr(text));
}

/** Every node in the tree (walking all object-valued properties). */
function allNodes(root: unknown): A.NodeBase[] {
  const out: A.NodeBase[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      if ("kind" in v && "line" in v) out.push(v as unknown as A.NodeBase);
      for (const [k, child] of Object.entries(v)) if (k !== "text") walk(child);
    }
  };
  walk(root);
  return out;
}

// ------------------------------------------------------------------ tests

describe("parser", () => {
  describe("positions", () => {
    it("gives every node file, 1-based line/col and offsets matching the source", () => {
      const text = "let x = 1;\nfunction f(a: int): int {\n  return a * 2;\n}\n";
      const { ast } = parse(text, "p.raya");
      const ret = (ast.body[1] as A.FunctionDecl).body!.body[0] as A.ReturnStmt;
      assert.deepEqual([ret.line, ret.col, text.slice(ret.start, ret.end)], [3, 3, "return a * 2;"]);
      const mul = ret.argument as A.BinaryExpr;
      assert.deepEqual([mul.line, mul.col, text.slice(mul.start, mul.end)], [3, 10, "a * 2"]);
      for (const n of allNodes(ast.body)) {
        assert.equal(n.file, "p.raya");
        assert.ok(n.line >= 1 && n.col >= 1 && n.start <= n.end, JSON.stringify(n));
        // line/col agree with the start offset
        const before = text.slice(0, n.start).split("\n");
        assert.equal(n.line, before.length, (n as A.Node).kind);
        assert.equal(n.col, before[before.length - 1].length + 1, (n as A.Node).kind);
      }
    });

    it("records the property name position of member expressions", () => {
      const m = expr("obj\n  .method") as A.MemberExpr;
      assert.deepEqual([m.line, m.col, m.nameLine, m.nameCol], [1, 1, 2, 4]);
    });

    it("records the module string position of imports", () => {
      const i = stmt('import { a } from  "./x";', "Import");
      assert.deepEqual([i.sourceLine, i.sourceCol], [1, 20]);
    });

    it("spans a statement including its semicolon", () => {
      const text = "  foo(1) ;";
      const s = parseOk(text)[0];
      assert.equal(text.slice(s.start, s.end), "foo(1) ;");
    });
  });

  describe("variable declarations", () => {
    it("parses let/const with types and several declarators", () => {
      const d = stmt("let a: int = 1, b: string[], c = null;", "VarDecl");
      assert.equal(d.declKind, "let");
      assert.deepEqual(d.declarations.map((x) => [show(x.target), show(x.type), show(x.init)]), [
        ["a", "int", "1"], ["b", "string[]", "_"], ["c", "_", "null"],
      ]);
      assert.equal(stmt("const k = 2;", "VarDecl").declKind, "const");
    });

    it("parses array and object destructuring with defaults and rest", () => {
      const d = stmt("const [a, , b = 2, [c], ...rest] = xs;", "VarDecl");
      assert.equal(show(d.declarations[0].target), "[a _ b=2 [c] ...rest]");
      const o = stmt("let { a, b: bb, c = 3, d: { e } = {}, ...others } = obj;", "VarDecl");
      assert.equal(show(o.declarations[0].target), "{a:a b:bb c:c=3 d:{e:e}={} ...others}");
    });

    it("requires initialisers for const and destructuring", () => {
      assert.deepEqual(errs("const x;"), ["1:8 'const' declarations must be initialized"]);
      assert.deepEqual(errs("let [a];"), ["1:8 A destructuring declaration must have an initializer"]);
    });

    it("rejects var with a clear message", () => {
      assert.deepEqual(errs("var x = 1;"), ["1:1 'var' is not supported; use 'let' or 'const'"]);
    });
  });

  describe("functions", () => {
    it("parses declarations with generics, optional/default/rest params and return type", () => {
      const f = stmt("function f<T extends X = D, U>(a: T, b?: int, c = 1, ...rest: U[]): T[] { return []; }", "FunctionDecl");
      assert.equal(f.name, "f");
      assert.deepEqual(f.typeParams.map((p) => [p.name, show(p.constraint), show(p.default)]), [["T", "X", "D"], ["U", "_", "_"]]);
      assert.deepEqual(f.params.map((p) => [show(p.pattern), show(p.type), p.optional, show(p.default), p.rest]), [
        ["a", "T", false, "_", false], ["b", "int", true, "_", false], ["c", "_", false, "1", false], ["rest", "U[]", false, "_", true],
      ]);
      assert.equal(show(f.returnType), "T[]");
      assert.equal(f.async, false);
      assert.equal(f.body!.body.length, 1);
    });

    it("parses async functions and destructured parameters", () => {
      const f = stmt("async function g({ a, b }: P, [c]: int[]) {}", "FunctionDecl");
      assert.equal(f.async, true);
      assert.deepEqual(f.params.map((p) => show(p.pattern)), ["{a:a b:b}", "[c]"]);
    });

    it("parses function expressions", () => {
      const e = init("const f = function named(x: int): int { return x; };") as A.FunctionExpr;
      assert.equal(e.kind, "FunctionExpr");
      assert.equal(e.name, "named");
      const a = init("const g = async function () {};") as A.FunctionExpr;
      assert.deepEqual([a.kind, a.async, a.name], ["FunctionExpr", true, null]);
    });

    it("rejects a rest parameter that is not last", () => {
      assert.deepEqual(errs("function f(...a: int[], b: int) {}"), ["1:23 A rest parameter must be last in a parameter list"]);
    });

    it("rejects parameter properties outside constructors", () => {
      assert.deepEqual(errs("function f(private x: int) {}"), ["1:12 A parameter property is only allowed in a constructor implementation"]);
    });
  });

  describe("arrow functions", () => {
    it("detects every arrow head form", () => {
      assert.equal(show(init("const f = x => x + 1;")), "(=> (x) (+ x 1))");
      assert.equal(show(init("const f = (a, b) => a;")), "(=> (a b) a)");
      assert.equal(show(init("const f = () => {};")), "(=> () {})");
      assert.equal(show(init("const f = async x => x;")), "(async => (x) x)");
      assert.equal(show(init("const f = async (x) => x;")), "(async => (x) x)");
      assert.equal(show(init("const f = ({ a }, [b]) => a;")), "(=> ({a:a} [b]) a)");
      assert.equal(show(init("const f = (...xs: int[]) => xs;")), "(=> (xs) xs)");
      assert.equal(show(init("const f = () => ({ a: 1 });")), "(=> () (paren {a:1}))");
    });

    it("parses typed, generic and async generic arrows", () => {
      const a = init("const f = (a: int, b?: string): int => a;") as A.ArrowFunction;
      assert.deepEqual(a.params.map((p) => [show(p.type), p.optional]), [["int", false], ["string", true]]);
      assert.equal(show(a.returnType), "int");
      const g = init("const id = <T>(x: T): T => x;") as A.ArrowFunction;
      assert.deepEqual(g.typeParams.map((p) => p.name), ["T"]);
      const ag = init("const h = async <T,>(x: T) => x;") as A.ArrowFunction;
      assert.deepEqual([ag.async, ag.typeParams.length], [true, 1]);
    });

    it("does not mistake parenthesised expressions for arrows", () => {
      assert.equal(showExpr("(a);"), "(paren a)");
      assert.equal(showExpr("(a + b) * c;"), "(* (paren (+ a b)) c)");
      assert.equal(showExpr("x = (a) ? (b) : c;"), "(= x (? (paren a) (paren b) c))");
      assert.equal(showExpr("f((x), y => y);"), "(call f (paren x) (=> (y) y))");
    });

    it("reports errors inside a head that can only be an arrow's", () => {
      assert.deepEqual(errs("const f = (a: int, +) => a;"), ["1:20 Expected an identifier but found '+'"]);
      assert.deepEqual(errs("const f = (a: int) a;"), ["1:20 Expected '=>' but found 'a'"]);
      assert.deepEqual(errs("const f = () + 1;"), ["1:14 Expected '=>' but found '+'"]);
      assert.deepEqual(errs("const f = <T>(x: T);"), ["1:20 Expected '=>' but found ';'"]);
    });

    it("nests arrows (right-associative bodies)", () => {
      assert.equal(show(init("const add = (a: int) => (b: int) => a + b;")), "(=> (a) (=> (b) (+ a b)))");
    });
  });

  describe("the async prefix", () => {
    it("parses async calls on names, members and call results", () => {
      assert.equal(showExpr("async f(x);"), "(async (call f x))");
      assert.equal(showExpr("async obj.m(x);"), "(async (call obj.m x))");
      assert.equal(showExpr("async (getF())(x);"), "(async (call (paren (call getF)) x))");
      assert.equal(showExpr("async f<int>(1);"), "(async (call f <int> 1))");
      assert.equal(show(init("const t = async work(1, 2);")), "(async (call work 1 2))");
    });

    it("binds like a unary operator", () => {
      assert.equal(showExpr("await async f(x);"), "(await (async (call f x)))");
      assert.equal(showExpr("ts.push(async f(1));"), "(call ts.push (async (call f 1)))");
      assert.equal(showExpr("await [async f(1), async g(2)];"), "(await [(async (call f 1)) (async (call g 2))])");
    });

    it("is told apart from async functions, arrows and methods by context", () => {
      assert.equal(stmt("async function f() {}", "FunctionDecl").async, true);
      assert.equal(show(init("const a = async (x) => f(x);")), "(async => (x) (call f x))");
      assert.equal(show(init("const a = async x => f(x);")), "(async => (x) (call f x))");
      const c = stmt("class C { async m() { return async n(); } }", "ClassDecl");
      const m = c.members[0] as A.MethodMember;
      assert.deepEqual([m.kind, m.name, m.async], ["Method", "m", true]);
      assert.equal(show((m.body!.body[0] as A.ReturnStmt).argument), "(async (call n))");
      const o = init("const o = { async m() {}, async: 1 };") as A.ObjectLiteral;
      const om = o.properties[0] as A.ObjectMethod;
      assert.deepEqual([om.kind, om.key, om.fn.async], ["ObjectMethod", "m", true]);
      assert.equal((o.properties[1] as A.PropertyAssignment).key, "async");
    });

    it("leaves a plain identifier named async alone", () => {
      assert.equal(showExpr("async + 1;"), "(+ async 1)");
      assert.equal(showExpr("async.x;"), "async.x");
    });

    it("reports an async prefix without a call", () => {
      assert.deepEqual(errs("const t = async x;"), ["1:11 'async' must be followed by a call expression"]);
      assert.deepEqual(errs("const t = async obj.field;"), ["1:11 'async' must be followed by a call expression"]);
    });
  });

  describe("expressions", () => {
    it("parses literals", () => {
      const n = init("const n = 1_000;") as A.NumberLiteral;
      assert.deepEqual([n.value, n.raw, n.isInt], [1000, "1_000", true]);
      const h = init("const n = 0xff;") as A.NumberLiteral;
      assert.deepEqual([h.value, h.isInt], [255, true]);
      assert.equal((init("const n = 1.5;") as A.NumberLiteral).isInt, false);
      assert.equal((init("const n = 3e9;") as A.NumberLiteral).isInt, false);
      assert.equal((init("const s = 'a\\tb';") as A.StringLiteral).value, "a\tb");
      assert.equal(showExpr("[true, false, null, this];"), "[true false null this]");
    });

    it("parses template literals with nesting", () => {
      assert.equal(showExpr("`a${b}c${`d${e}f`}g`;"), '(tpl "a" "c" "g" b (tpl "d" "f" e))');
      assert.equal(showExpr("`plain`;"), '(tpl "plain")');
      const t = expr("`${a}`;") as A.TemplateLiteral;
      assert.deepEqual(t.quasis, ["", ""]);
    });

    it("parses array literals with spread, and rejects holes", () => {
      assert.equal(showExpr("[1, ...xs, 2,];"), "[1 ...xs 2]");
      assert.deepEqual(errs("const a = [1, , 2];"), ["1:15 Array literal holes are not allowed"]);
    });

    it("parses object literals: shorthand, spread, string/number keys, methods", () => {
      assert.equal(showExpr("({ a, b: 1, 'c d': 2, 10: 3, 0x10: 4, m() {}, ...rest });"),
        "(paren {a b:1 c d:2 10:3 16:4 m() ...rest})");
      const o = init("const o = { m<T>(x: T): T { return x; } };") as A.ObjectLiteral;
      const m = o.properties[0] as A.ObjectMethod;
      assert.deepEqual([m.fn.name, m.fn.typeParams.length, m.fn.params.length], ["m", 1, 1]);
    });

    it("rejects shorthand initialisers outside patterns", () => {
      assert.deepEqual(errs("const o = { a = 1 };"), ["1:15 Shorthand property initializers are only allowed in destructuring patterns"]);
    });

    it("parses calls, members, indexes and new", () => {
      assert.equal(showExpr("a.b(c)[d].e(...f);"), "(call (call a.b c)[d].e ...f)");
      assert.equal(showExpr("new Foo;"), "(new Foo)");
      assert.equal(showExpr("new Foo(1).bar();"), "(call (new Foo 1).bar)");
      assert.equal(showExpr("new a.B<int>(x);"), "(new a.B <int> x)");
      assert.equal(showExpr("new Map<string, int[]>();"), "(new Map <string int[]>)");
      assert.equal(showExpr("obj.if.class;"), "obj.if.class");
    });

    it("parses optional chaining", () => {
      assert.equal(showExpr("a?.b?.[c]?.(d);"), "(call? a?.b?.[c] d)");
      assert.equal(showExpr("a?.b.c;"), "a?.b.c");
    });

    it("parses super calls and super members", () => {
      const c = stmt("class A extends B { constructor() { super(1); super.m(); } }", "ClassDecl");
      const ctor = c.members[0] as A.ConstructorMember;
      assert.deepEqual(ctor.body!.body.map((s) => show((s as A.ExprStmt).expression)), ["(call super 1)", "(call super.m)"]);
      assert.deepEqual(errs("class A extends B { m() { super; } }"), ["1:32 'super' must be followed by an argument list or member access"]);
    });

    it("parses unary, typeof, await and update operators", () => {
      assert.equal(showExpr("-!~+x;"), "(- (! (~ (+ x))))");
      assert.equal(showExpr("typeof x === 'string';"), '(=== (typeof x) "string")');
      assert.equal(showExpr("await f() + 1;"), "(+ (await (call f)) 1)");
      assert.equal(showExpr("++a.b;"), "(++pre a.b)");
      assert.equal(showExpr("a[i]--;"), "(--post a[i])");
      assert.equal(showExpr("- -x;"), "(- (- x))");
    });

    it("rejects invalid update and assignment targets", () => {
      assert.deepEqual(errs("++f();"), ["1:1 The operand of an increment or decrement operator must be a variable or a property access"]);
      assert.deepEqual(errs("f() = 1;"), ["1:5 The left-hand side of an assignment must be a variable or a property access"]);
      assert.deepEqual(errs("a?.b = 1;"), ["1:6 The left-hand side of an assignment must be a variable or a property access"]);
    });

    it("parses conditional expressions (right-associative)", () => {
      assert.equal(showExpr("a ? b : c ? d : e;"), "(? a b (? c d e))");
      assert.equal(showExpr("a || b ? c = 1 : d;"), "(? (|| a b) (= c 1) d)");
    });

    it("parses as-expressions at relational precedence", () => {
      assert.equal(showExpr("x as number;"), "(as x number)");
      assert.equal(showExpr("a + b as number;"), "(as (+ a b) number)");
      assert.equal(showExpr("a as T == b;"), "(== (as a T) b)");
      assert.equal(showExpr("a as int[] && c;"), "(&& (as a int[]) c)");
    });

    it("rejects unsupported operators", () => {
      assert.deepEqual(errs("delete a.b;"), ["1:1 The 'delete' operator is not supported"]);
      assert.deepEqual(errs("void 0;"), ["1:1 The 'void' operator is not supported"]);
    });
  });

  describe("precedence and associativity", () => {
    const cases: [string, string][] = [
      ["a + b * c;", "(+ a (* b c))"],
      ["a * b + c;", "(+ (* a b) c)"],
      ["a - b - c;", "(- (- a b) c)"],
      ["a ** b ** c;", "(** a (** b c))"],
      ["a * b ** c;", "(* a (** b c))"],
      ["(-a) ** b;", "(** (paren (- a)) b)"],
      ["a << b + c;", "(<< a (+ b c))"],
      ["a >> b >>> c;", "(>>> (>> a b) c)"],
      ["a < b == c > d;", "(== (< a b) (> c d))"],
      ["a <= b >= c;", "(>= (<= a b) c)"],
      ["a & b | c ^ d;", "(| (& a b) (^ c d))"],
      ["a | b && c || d;", "(|| (&& (| a b) c) d)"],
      ["a === b !== c;", "(!== (=== a b) c)"],
      ["a instanceof B && k in o;", "(&& (instanceof a B) (in k o))"],
      ["a ?? b ?? c;", "(?? (?? a b) c)"],
      ["(a || b) ?? c;", "(?? (paren (|| a b)) c)"],
      ["a ?? (b && c);", "(?? a (paren (&& b c)))"],
      ["a = b = c;", "(= a (= b c))"],
      ["a += b * c;", "(+= a (* b c))"],
      ["a >>= 1;", "(>>= a 1)"],
      ["a >>>= 1;", "(>>>= a 1)"],
      ["a **= 2;", "(**= a 2)"],
      ["a ??= b;", "(??= a b)"],
      ["a ||= b;", "(||= a b)"],
      ["a &&= b;", "(&&= a b)"],
      ["a <<= b |= c;", "(<<= a (|= b c))"],
      ["!a && b;", "(&& (! a) b)"],
      ["-a * b;", "(* (- a) b)"],
      ["a % b / c;", "(/ (% a b) c)"],
    ];
    for (const [src, expected] of cases) {
      it(src, () => assert.equal(showExpr(src), expected));
    }

    it("rejects mixing ?? with || or && without parentheses", () => {
      assert.deepEqual(errs("a ?? b || c;"), ["1:3 '??' cannot be mixed with '||' or '&&' without parentheses"]);
      assert.deepEqual(errs("a || b ?? c;"), ["1:8 '??' cannot be mixed with '||' or '&&' without parentheses"]);
      assert.deepEqual(errs("a && b ?? c;"), ["1:8 '??' cannot be mixed with '||' or '&&' without parentheses"]);
    });

    it("rejects a unary operand on the left of **", () => {
      assert.deepEqual(errs("-a ** 2;"), ["1:4 An unary expression cannot be the left operand of '**'; add parentheses"]);
    });
  });

  describe("generics versus comparisons", () => {
    it("reads type arguments in calls", () => {
      assert.equal(showExpr("f<int>(x);"), "(call f <int> x)");
      assert.equal(showExpr("f<Map<string, Set<int>>>();"), "(call f <Map<string Set<int>>>)");
      assert.equal(showExpr("o.m<T[], [A, B]>(1);"), "(call o.m <T[] [A B]> 1)");
      assert.equal(showExpr("a?.<int>(1);"), "(call? a <int> 1)");
    });

    it("reads comparisons when no call follows", () => {
      assert.equal(showExpr("a < b && c > d;"), "(&& (< a b) (> c d))");
      assert.equal(showExpr("a < b > c;"), "(> (< a b) c)");
      assert.equal(showExpr("f(a < b, c > d);"), "(call f (< a b) (> c d))");
      assert.equal(showExpr("a < b;"), "(< a b)");
      assert.equal(showExpr("x = i < n ? i : n;"), "(= x (? (< i n) i n))");
    });

    it("closes nested type arguments whose '>' characters touch", () => {
      const d = stmt("let m: Map<string, Map<int, Set<T>>> = new Map<string, Map<int, Set<T>>>();", "VarDecl");
      assert.equal(show(d.declarations[0].type), "Map<string Map<int Set<T>>>");
      assert.equal(show(d.declarations[0].init), "(new Map <string Map<int Set<T>>>)");
      const e = stmt("let x: Array<int>= [];", "VarDecl");
      assert.equal(show(e.declarations[0].init), "[]");
    });
  });

  describe("destructuring assignment", () => {
    it("converts array and object literals on the left of '=' into patterns", () => {
      const a = expr("[a, b] = [b, a];") as A.AssignExpr;
      assert.equal(a.target.kind, "ArrayPattern");
      assert.equal(show(a.target as A.Pattern), "[a b]");
      const o = (expr("({ a, b: c, d = 1, ...r } = obj);") as A.ParenExpr).expression as A.AssignExpr;
      assert.equal(show(o.target as A.Pattern), "{a:a b:c d:d=1 ...r}");
      assert.equal(show((expr("[, x = 2, ...ys] = zs;") as A.AssignExpr).target as A.Pattern), "[_ x=2 ...ys]");
      assert.equal(show((expr("[[a], { b }] = v;") as A.AssignExpr).target as A.Pattern), "[[a] {b:b}]");
    });

    it("parses property and element targets in destructuring assignments", () => {
      assert.equal(show((expr("[xs[0], xs[2]] = [xs[2], xs[0]];") as A.AssignExpr).target as A.Pattern), "[(target xs[0]) (target xs[2])]");
      assert.equal(show(((expr("({ a: this.x, b: (o.y) = 1 } = src);") as A.ParenExpr).expression as A.AssignExpr).target as A.Pattern), "{a:(target this.x) b:(target o.y)=1}");
      assert.equal(show((expr("[a.b = 2, ...c.d] = v;") as A.AssignExpr).target as A.Pattern), "[(target a.b)=2 ...(target c.d)]");
      const loop = parseOk("for ([o.k, m[i]] of pairs) {}")[0] as A.ForOfStmt;
      assert.equal(show(loop.target as A.Pattern), "[(target o.k) (target m[i])]");
    });

    it("rejects non-identifier targets and misplaced rest", () => {
      assert.deepEqual(errs("[f()] = v;"), ["1:2 Only identifiers, property accesses and nested patterns can be destructuring targets"]);
      assert.deepEqual(errs("[a?.b] = v;"), ["1:2 An optional chain cannot be a destructuring target"]);
      assert.deepEqual(errs("({ k: a?.[0] } = v);"), ["1:7 An optional chain cannot be a destructuring target"]);
      assert.deepEqual(errs("[...a, b] = v;"), ["1:2 A rest element must be last in a destructuring pattern"]);
      assert.deepEqual(errs("[a] += v;"), ["1:5 The left-hand side of an assignment must be a variable or a property access"]);
    });
  });

  describe("statements", () => {
    it("parses if/else chains", () => {
      const s = stmt("if (a) b(); else if (c) { d(); } else e();", "If");
      assert.equal(show(s.test), "a");
      assert.equal(s.alternate!.kind, "If");
      assert.equal((s.alternate as A.IfStmt).alternate!.kind, "ExprStmt");
    });

    it("parses for loops", () => {
      const f = stmt("for (let i = 0, j = 1; i < n; i++) {}", "For");
      assert.equal((f.init as A.VarDecl).declarations.length, 2);
      assert.equal(show(f.test), "(< i n)");
      assert.equal(show(f.update), "(++post i)");
      const g = stmt("for (;;) break;", "For");
      assert.deepEqual([g.init, g.test, g.update], [null, null, null]);
      const h = stmt("for (i = 0; i < 3; i += 1) {}", "For");
      assert.equal(show(h.init as A.Expr), "(= i 0)");
    });

    it("parses for...of with declarations, patterns and existing targets", () => {
      const a = stmt("for (const x of xs) {}", "ForOf");
      assert.deepEqual([a.declKind, show(a.target as A.Pattern), show(a.iterable)], ["const", "x", "xs"]);
      const b = stmt("for (let [k, v] of map) {}", "ForOf");
      assert.equal(show(b.target as A.Pattern), "[k v]");
      const c = stmt("for (x of f()) {}", "ForOf");
      assert.deepEqual([c.declKind, show(c.target as A.Expr)], [null, "x"]);
      const d = stmt("for (o.p of xs) ;", "ForOf");
      assert.equal(show(d.target as A.Expr), "o.p");
      const e = stmt("for ([a, b] of pairs) {}", "ForOf");
      assert.equal(show(e.target as A.Pattern), "[a b]");
    });

    it("rejects for...in", () => {
      assert.deepEqual(errs("for (const k in o) {}"), ["1:14 'for...in' is not supported; use 'for...of'"]);
      assert.deepEqual(errs("for (k in o) {}"), ["1:8 'for...in' is not supported; use 'for...of'"]);
      assert.deepEqual(errs("for (f() of xs) {}"), ["1:6 The target of a 'for...of' loop must be a variable or a property access"]);
    });

    it("parses while and do...while", () => {
      assert.equal(show(stmt("while (x > 0) x--;", "While").test), "(> x 0)");
      const d = stmt("do { x++; } while (x < 5)", "DoWhile");
      assert.equal(show(d.test), "(< x 5)");
      assert.equal(parseOk("do x++; while (x < 5) y();").length, 2);
    });

    it("parses switch with fall-through and default", () => {
      const s = stmt("switch (k) { case 1: case 2: a(); break; default: b(); case 3: }", "Switch");
      assert.deepEqual(s.cases.map((c) => [show(c.test), c.body.length]), [["1", 0], ["2", 2], ["_", 1], ["3", 0]]);
      assert.deepEqual(errs("switch (k) { default: default: }"), ["1:23 A 'switch' statement can only have one 'default' clause"]);
    });

    it("parses labels with labelled break and continue", () => {
      const l = stmt("outer: for (;;) { inner: while (x) { break outer; continue inner; } }", "Labeled");
      assert.equal(l.label, "outer");
      const loop = ((l.body as A.ForStmt).body as A.Block).body[0] as A.LabeledStmt;
      const body = (loop.body as A.WhileStmt).body as A.Block;
      assert.deepEqual(body.body.map((s) => [(s as A.BreakStmt).kind, (s as A.BreakStmt).label]), [["Break", "outer"], ["Continue", "inner"]]);
    });

    it("parses throw and try/catch/finally in every form", () => {
      assert.equal(show(stmt("throw new Error('x');", "Throw").argument), '(new Error "x")');
      const t = stmt("try { a(); } catch (e) { b(); } finally { c(); }", "Try");
      assert.deepEqual([show(t.catchParam), t.catchBody!.body.length, t.finallyBody!.body.length], ["e", 1, 1]);
      const u = stmt("try {} catch {}", "Try");
      assert.deepEqual([u.catchParam, u.finallyBody], [null, null]);
      assert.ok(u.catchBody);
      const v = stmt("try {} finally {}", "Try");
      assert.equal(v.catchBody, null);
      assert.deepEqual(errs("try {}"), ["1:7 Expected 'catch' or 'finally' but found end of file"]);
      assert.deepEqual(errs("try {} catch (e: Error) {}\nx();"), ["1:16 Catch clause variables cannot have a type annotation"]);
    });

    it("parses blocks, empty statements and top-level return/await", () => {
      const body = parseOk("{ let a = 1; } ; return await main();");
      assert.deepEqual(body.map((s) => s.kind), ["Block", "Empty", "Return"]);
      assert.equal(show((body[2] as A.ReturnStmt).argument), "(await (call main))");
    });
  });

  describe("automatic semicolon insertion", () => {
    it("ends statements at line breaks", () => {
      assert.deepEqual(parseOk("let a = 1\nlet b = 2\nfoo()\n").map((s) => s.kind), ["VarDecl", "VarDecl", "ExprStmt"]);
    });

    it("continues an expression across lines when it can", () => {
      assert.equal(show((parseOk("let a = 1 +\n2")[0] as A.VarDecl).declarations[0].init), "(+ 1 2)");
      assert.equal(show((parseOk("x\n(y)")[0] as A.ExprStmt).expression), "(call x y)");
      assert.equal(show((parseOk("a\n.b\n.c()")[0] as A.ExprStmt).expression), "(call a.b.c)");
    });

    it("applies the restricted productions", () => {
      const f = stmt("function f() {\n  return\n  42\n}", "FunctionDecl");
      assert.deepEqual(f.body!.body.map((s) => s.kind), ["Return", "ExprStmt"]);
      assert.equal((f.body!.body[0] as A.ReturnStmt).argument, null);
      const p = parseOk("a\n++b");
      assert.deepEqual(p.map((s) => show((s as A.ExprStmt).expression)), ["a", "(++pre b)"]);
      const l = parseOk("outer: while (x) { break\nouter }");
      const inner = ((l[0] as A.LabeledStmt).body as A.WhileStmt).body as A.Block;
      assert.deepEqual(inner.body.map((s) => s.kind), ["Break", "ExprStmt"]);
      assert.equal((inner.body[0] as A.BreakStmt).label, null);
      assert.deepEqual(errs("throw\nnew Error()"), ["2:1 Line break not permitted here"]);
    });

    it("allows a statement before '}' or end of file without a semicolon", () => {
      parseOk("function f() { return 1 }");
      parseOk("x = 1");
    });

    it("requires a semicolon between statements on one line", () => {
      assert.deepEqual(errs("let a = 1 let b = 2"), ["1:11 Expected ';' but found 'let'"]);
    });
  });

  describe("classes", () => {
    const src = `
export abstract class Shape<T extends object = {}> extends Base<T> implements Named, Sized {
  static count: int = 0;
  private readonly id?: string;
  name = "shape";
  constructor(private x: number, public readonly y: string, z: int) { super(); }
  get area(): number { return 0; }
  set area(v: number) {}
  abstract draw(): void;
  protected static async load<U>(u: U): Task<U> { return u; }
  public get(): int { return 1; }
  override toString(): string { return ""; }
}`;
    it("parses heritage, modifiers, fields, constructors, accessors and methods", () => {
      const c = stmt(src, "ClassDecl");
      assert.deepEqual([c.name, c.abstract, c.exported, c.typeParams[0].name], ["Shape", true, true, "T"]);
      assert.deepEqual([c.extends!.name, show(c.extends!.typeArgs[0])], ["Base", "T"]);
      assert.deepEqual(c.implements.map((h) => h.name), ["Named", "Sized"]);
      const [count, id, name, ctor, getter, setter, draw, load, get, toString] = c.members;
      assert.deepEqual([toString.kind, (toString as A.MethodMember).name], ["Method", "toString"]);
      assert.deepEqual(count, { ...count, kind: "Field", name: "count", static: true, readonly: false, accessibility: null });
      assert.equal(show((count as A.FieldMember).init), "0");
      assert.deepEqual(id, { ...id, kind: "Field", optional: true, readonly: true, accessibility: "private", init: null });
      assert.equal(show((name as A.FieldMember).init), '"shape"');
      const params = (ctor as A.ConstructorMember).params;
      assert.deepEqual(params.map((p) => [show(p.pattern), p.accessibility, p.readonly]), [
        ["x", "private", false], ["y", "public", true], ["z", null, false],
      ]);
      assert.deepEqual([getter.kind, (getter as A.MethodMember).methodKind, (getter as A.MethodMember).name], ["Method", "get", "area"]);
      assert.equal((setter as A.MethodMember).methodKind, "set");
      assert.deepEqual([(draw as A.MethodMember).abstract, (draw as A.MethodMember).body], [true, null]);
      const l = load as A.MethodMember;
      assert.deepEqual([l.static, l.async, l.accessibility, l.typeParams.length, show(l.returnType)], [true, true, "protected", 1, "Task<U>"]);
      assert.deepEqual([get.kind, (get as A.MethodMember).name, (get as A.MethodMember).methodKind], ["Method", "get", "method"]);
    });

    it("requires method bodies unless abstract or declared", () => {
      assert.deepEqual(errs("class A { m(): void; }"), ["1:20 Expected '{' but found ';'"]);
      assert.deepEqual(errs("abstract class A { abstract m(): void {} }"), ["1:39 Method cannot have an implementation because it is marked abstract"]);
    });
  });

  describe("interfaces and type aliases", () => {
    it("parses interfaces with extends, optional/readonly members and method signatures", () => {
      const i = stmt("interface Named<T> extends A, B<T> { readonly name: string; age?: int, greet<U>(x: U): string\n m?(): void }", "Interface");
      assert.deepEqual(i.extends.map((h) => h.name), ["A", "B"]);
      assert.deepEqual(i.members.map((m) => [m.kind, m.name, m.optional]), [
        ["PropertySignature", "name", false], ["PropertySignature", "age", true],
        ["MethodSignature", "greet", false], ["MethodSignature", "m", true],
      ]);
      assert.equal((i.members[0] as A.PropertySignature).readonly, true);
    });

    it("parses every type form", () => {
      assert.equal(show(typeOf("int")), "int");
      assert.equal(show(typeOf("| 'a' | 'b'")), '(| "a" "b")');
      assert.equal(show(typeOf("A | B & C")), "(| A (& B C))");
      assert.equal(show(typeOf("(A | B)[]")), "(paren (| A B))[]");
      assert.equal(show(typeOf("int[][]")), "int[][]");
      assert.equal(show(typeOf("[int, string]")), "[int string]");
      assert.equal(show(typeOf("{ a: int; readonly b?: string, c(): void }")), "{a:int readonly b?:string c()}");
      assert.equal(show(typeOf("(a: int, b: string) => void")), "(fn (a:int b:string) void)");
      assert.equal(show(typeOf("() => () => int")), "(fn () (fn () int))");
      assert.equal(show(typeOf("<T>(x: T) => T")), "(fn (x:T) T)");
      assert.equal(show(typeOf("1 | -1 | true | null")), "(| 1 -1 true null)");
      assert.equal(show(typeOf("Map<string, int[]>")), "Map<string int[]>");
      assert.equal(show(typeOf("ns.Type<X>")), "ns.Type<X>");
      assert.equal(show(typeOf("(int)")), "(paren int)");
      const g = stmt("type Pair<A, B = A> = [A, B];", "TypeAlias");
      assert.deepEqual(g.typeParams.map((p) => [p.name, show(p.default)]), [["A", "_"], ["B", "A"]]);
    });

    it("parses multi-line unions with a leading bar", () => {
      const body = parseOk("type Shape =\n  | { kind: 'c'; r: number }\n  | { kind: 's'; side: number }\nlet x = 1");
      assert.deepEqual(body.map((s) => s.kind), ["TypeAlias", "VarDecl"]);
      assert.equal(show((body[0] as A.TypeAliasDecl).type), '(| {kind:"c" r:number} {kind:"s" side:number})');
    });

    it("reports unsupported type member forms", () => {
      assert.deepEqual(errs("type T = { [k: string]: int };"), ["1:12 Index signatures are not supported; use Map<K, V>"]);
    });
  });

  describe("modules and declarations", () => {
    it("parses imports", () => {
      const i = stmt('import { a, b as c } from "./util";', "Import");
      assert.deepEqual(i.specifiers.map((s) => [s.imported, s.local]), [["a", "a"], ["b", "c"]]);
      assert.deepEqual([i.source, i.namespace], ["./util", null]);
      const n = stmt('import * as m from "std:math"', "Import");
      assert.deepEqual([n.namespace, n.source, n.specifiers.length], ["m", "std:math", 0]);
      assert.deepEqual(errs('import x from "./x";'), ["1:8 Default imports are not supported; use 'import { name }' or 'import * as name'"]);
    });

    it("parses exports on declarations and export lists", () => {
      const body = parseOk('export function f() {}\nexport const x = 1;\nexport class C {}\nexport type T = int;\nexport interface I {}\nexport async function g() {}\nexport { a, b as c };');
      assert.deepEqual(body.map((s) => [s.kind, (s as A.FunctionDecl).exported]), [
        ["FunctionDecl", true], ["VarDecl", true], ["ClassDecl", true], ["TypeAlias", true], ["Interface", true],
        ["FunctionDecl", true], ["ExportNamed", undefined],
      ]);
      assert.deepEqual((body[6] as A.ExportNamedDecl).specifiers.map((s) => [s.local, s.exported]), [["a", "a"], ["b", "c"]]);
      assert.equal(stmt("export type { T };", "ExportNamed").specifiers[0].local, "T");
      assert.equal(stmt('import type { T } from "./t";', "Import").specifiers[0].local, "T");
      assert.equal(body[0].start, 0);
      assert.deepEqual(errs("export default 1;"), ["1:8 Default exports are not supported"]);
      assert.deepEqual(errs('export { a } from "./a";\nx();'), ["1:14 Re-exports ('export { ... } from') are not supported"]);
    });

    it("parses declare on functions, classes, const and let", () => {
      const body = parseOk("declare function sleep(ms: int): Task<void>;\ndeclare class Map<K, V> { constructor(); get(k: K): V | null; size: int; }\ndeclare const PI: number;\ndeclare let x: int\nexport declare function f(): void;");
      const fn = body[0] as A.FunctionDecl;
      assert.deepEqual([fn.declared, fn.body, fn.name], [true, null, "sleep"]);
      const cls = body[1] as A.ClassDecl;
      assert.equal(cls.declared, true);
      assert.deepEqual(cls.members.map((m) => [m.kind, m.kind === "Field" ? null : m.body]), [["Constructor", null], ["Method", null], ["Field", null]]);
      assert.deepEqual([(body[2] as A.VarDecl).declared, (body[3] as A.VarDecl).declKind], [true, "let"]);
      assert.deepEqual([(body[4] as A.FunctionDecl).declared, (body[4] as A.FunctionDecl).exported], [true, true]);
    });

    it("keeps declare as an identifier where it is one", () => {
      assert.equal(showExpr("declare(1);"), "(call declare 1)");
      assert.equal(show(init("let type = 1;")), "1");
    });
  });

  describe("error recovery", () => {
    it("reports several errors from one file with correct positions", () => {
      const text = [
        "let a = ;",                    // 1
        "function f(x: int {",          // 2
        "  return x",                   // 3
        "}",                            // 4
        "let b = 1 +* 2;",              // 5
        "if (a b) { foo() }",           // 6
        "class K { x: int = 1 y: int; m() { let z = } }", // 7
        "foo(1, 2 3, 4);",              // 8
        "let ok = 1;",                  // 9
      ].join("\n");
      assert.deepEqual(errs(text), [
        "1:9 Expected an expression but found ';'",
        "2:19 Expected ',' or ')' but found '{'",
        "5:12 Expected an expression but found '*'",
        "6:7 Expected ')' but found 'b'",
        "7:22 Expected ';' but found 'y'",
        "7:44 Expected an expression but found '}'",
        "8:10 Expected ',' or ')' but found '3'",
      ]);
    });

    it("keeps the function body after a broken parameter list", () => {
      const r = parse("function f(x: int {\n  return x\n}\nlet y = 1;", "t.raya");
      const f = r.ast.body[0] as A.FunctionDecl;
      assert.deepEqual(f.body!.body.map((s) => s.kind), ["Return"]);
      assert.deepEqual(r.ast.body.map((s) => s.kind), ["FunctionDecl", "VarDecl"]);
    });

    it("treats 'obj.' at the end of a line as a missing name, not a keyword property", () => {
      const r = parse("let a = obj.\nlet b = 2;", "t.raya");
      assert.deepEqual(r.diagnostics.map(fmt), ["2:1 Expected a property name but found 'let'"]);
      assert.deepEqual(r.ast.body.map((s) => s.kind), ["VarDecl", "VarDecl"]);
    });

    it("resumes at the next case after an error in a switch", () => {
      const r = parse("switch (k) { case 1: x = ; case 2: y(); }", "t.raya");
      assert.deepEqual(r.diagnostics.map(fmt), ["1:26 Expected an expression but found ';'"]);
      const s = r.ast.body[0] as A.SwitchStmt;
      assert.equal(s.cases.length, 2);
      const r2 = parse("switch (k) {\n case 1: x = 1 +\n case 2: y();\n}", "t.raya");
      assert.deepEqual(r2.diagnostics.map(fmt), ["3:2 Expected an expression but found 'case'"]);
      assert.equal((r2.ast.body[0] as A.SwitchStmt).cases.length, 2);
    });

    it("keeps parsing the statements after an error", () => {
      const r = parse("let a = ;\nlet b = 2;\nfunction g() { return 1 }", "t.raya");
      assert.deepEqual(r.ast.body.map((s) => s.kind), ["VarDecl", "VarDecl", "FunctionDecl"]);
      assert.equal((r.ast.body[0] as A.VarDecl).declarations[0].init!.kind, "ErrorExpr");
    });

    it("does not cascade from one missing parenthesis", () => {
      assert.deepEqual(errs("foo(a, b\nlet c = 1;\nbar();"), ["2:1 Expected ')' but found 'let'"]);
      assert.deepEqual(errs("console.log(1 + 2;"), ["1:18 Expected ')' but found ';'"]);
      assert.deepEqual(errs("let a = [1, 2;"), ["1:14 Expected ']' but found ';'"]);
      assert.deepEqual(errs("if (x { y(); }\nz();"), ["1:7 Expected ')' but found '{'"]);
    });

    it("reports a missing closing brace at end of file", () => {
      assert.deepEqual(errs("function f() {\n  let x = 1;\n"), ["3:1 Expected '}' but found end of file"]);
      assert.deepEqual(errs("class C {\n  m() {}\n"), ["3:1 Expected '}' but found end of file"]);
    });

    it("skips stray tokens with an 'Unexpected token' error", () => {
      const r = parse("let a = 1;\n)\nlet b = 2;", "t.raya");
      assert.deepEqual(r.diagnostics.map(fmt), ["2:1 Expected an expression but found ')'"]);
      assert.deepEqual(r.ast.body.map((s) => s.kind), ["VarDecl", "ExprStmt", "VarDecl"]);
      assert.deepEqual(errs("}"), ["1:1 Expected an expression but found '}'"]);
    });

    it("includes lexer diagnostics in order with parser diagnostics", () => {
      assert.deepEqual(errs('let a = ;\nlet s = "abc\nlet n = 0x;'), [
        "1:9 Expected an expression but found ';'",
        "2:9 Unterminated string literal",
        "3:9 Hexadecimal digit expected",
      ]);
    });

    it("recovers inside template substitutions", () => {
      const r = parse("let t = `a${b c}d`;\nlet ok = 1;", "t.raya");
      assert.deepEqual(r.diagnostics.map(fmt), ["1:15 Expected '}' but found 'c'"]);
      assert.equal(r.ast.body.length, 2);
    });

    it("reports unterminated templates once", () => {
      assert.deepEqual(errs("let t = `abc${x"), ["1:9 Unterminated template literal", "1:16 Expected '}' but found end of file"]);
      assert.deepEqual(errs("let t = `a${`b${c}d`}e"), ["1:9 Unterminated template literal"]);
      assert.deepEqual(errs("let t = `a${`b${c"), ["1:9 Unterminated template literal", "1:18 Expected '}' but found end of file"]);
    });

    it("does not add parser errors on top of a lexer error", () => {
      assert.deepEqual(errs("let s = `${a`\nlet q = 1"), ["1:9 Unterminated template literal"]);
      assert.deepEqual(errs("let s = 'abc\nlet q = 1"), ["1:9 Unterminated string literal"]);
      assert.deepEqual(errs("let n = 0x + 1;\nlet q = 1"), ["1:9 Hexadecimal digit expected"]);
    });

    it("survives pathological nesting without overflowing the stack", () => {
      const deep = "(".repeat(5000) + "1" + ")".repeat(5000);
      const r = parse(`let x = ${deep};`, "t.raya");
      assert.ok(r.diagnostics.some((d) => d.message === "Nesting is too deep"));
      const ok = parse(`let x = ${"(".repeat(50)}1${")".repeat(50)};`, "t.raya");
      assert.deepEqual(ok.diagnostics, []);
      const pow = parse(`x = ${Array(5000).fill("2").join(" ** ")};`, "t.raya");
      assert.ok(pow.diagnostics.length >= 1);
      const unary = parse(`x = ${"!".repeat(5000)}y;`, "t.raya");
      assert.ok(unary.diagnostics.length >= 1);
      for (const text of [
        "{".repeat(5000), "[".repeat(5000), "let " + "[".repeat(5000), "type T = " + "{a:".repeat(5000),
        "let x: " + "A<".repeat(5000), "x = " + "new ".repeat(5000) + "X", "if (a) ".repeat(5000),
        "x = " + "`${".repeat(3000), "f(" + "(x) => ".repeat(3000),
      ]) {
        const r = parse(text, "t.raya");
        assert.ok(r.diagnostics.length >= 1, text.slice(0, 20));
        assert.ok(!r.diagnostics.some((d) => d.message.startsWith("Internal parser error")), text.slice(0, 20));
      }
    });
  });

  describe("robustness", () => {
    const program = `import { a } from "./a";
export abstract class Shape<T> extends Base<T> implements I {
  private readonly id?: string;
  constructor(private x: number) { super(x); }
  get area(): number { return this.x ** 2; }
  abstract draw(ctx: Ctx): void;
}
type U = | { k: "a"; v: int } | { k: "b"; w: string[] };
async function main(): Task<int> {
  const [p, , q = 1, ...r] = [1, 2, 3];
  const { s, t: { u } = { u: 2 }, ...rest } = obj;
  for (const x of xs) { if (x?.y ?? false) continue; }
  outer: for (let i = 0; i < 10; i++) { switch (i) { case 1: break outer; default: } }
  const f = async (x: int): Task<int> => x, g = <T>(v: T) => v;
  const task = async work(1);
  try { throw new Error(\`bad \${p + q}\`); } catch (e) { } finally { }
  let m = new Map<string, Set<int>>();
  m ??= f<int>(a < b ? 1 : 2);
  [p, q] = [q, p];
  return await task;
}
`;

    it("parses the reference program without diagnostics", () => {
      parseOk(program);
    });

    it("returns for every truncated prefix of a valid program", () => {
      for (let i = 0; i <= program.length; i++) {
        const r = parse(program.slice(0, i), "t.raya");
        assert.ok(Array.isArray(r.ast.body));
        for (const d of r.diagnostics) assert.ok(d.line >= 1 && d.column >= 1);
        assert.ok(!r.diagnostics.some((d) => d.message.startsWith("Internal parser error")), `prefix ${i}: ${r.diagnostics.map(fmt)}`);
      }
    });

    it("returns for every program with one token deleted", () => {
      const pieces = program.split(/(\s+)/);
      for (let i = 0; i < pieces.length; i += 2) {
        const text = pieces.slice(0, i).concat(pieces.slice(i + 1)).join("");
        const r = parse(text, "t.raya");
        assert.ok(!r.diagnostics.some((d) => d.message.startsWith("Internal parser error")), text);
      }
    });

    it("returns on random token soup", () => {
      const vocabulary = [
        "let", "const", "function", "class", "async", "await", "if", "else", "for", "of", "while",
        "(", ")", "{", "}", "[", "]", "<", ">", ">>", "=", "=>", "?", "?.", ":", ";", ",", ".", "...",
        "+", "**", "??", "||", "x", "y", "1", "0x", '"s"', "'u", "`t${", "}`", "`", "return", "\n",
        "new", "super", "this", "type", "interface", "extends", "import", "export", "declare", "get",
        "static", "private", "switch", "case", "default", "try", "catch", "break", "++", "--", "as",
      ];
      let seed = 12345;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x80000000;
      };
      for (let round = 0; round < 400; round++) {
        const n = Math.floor(random() * 60);
        const words: string[] = [];
        for (let i = 0; i < n; i++) words.push(vocabulary[Math.floor(random() * vocabulary.length)]);
        const text = words.join(" ");
        const r = parse(text, "t.raya");
        assert.ok(Array.isArray(r.ast.body));
        assert.ok(!r.diagnostics.some((d) => d.message.startsWith("Internal parser error")), `${text}\n${r.diagnostics.map(fmt)}`);
        if (n > 0 && text.trim() !== "" && !/^[\s;]*$/.test(text)) {
          // Garbage almost always has an error; at least the parser must not report hundreds.
          assert.ok(r.diagnostics.length <= n + 5, text);
        }
      }
    });

    it("returns on random characters", () => {
      const alphabet = "abc xyz 019 (){}[]<>=!?.:;,+-*/%&|^~'\"`$\\\n\t#@";
      let seed = 99;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x80000000;
      };
      for (let round = 0; round < 300; round++) {
        let text = "";
        const n = Math.floor(random() * 120);
        for (let i = 0; i < n; i++) text += alphabet[Math.floor(random() * alphabet.length)];
        const r = parse(text, "t.raya");
        assert.ok(!r.diagnostics.some((d) => d.message.startsWith("Internal parser error")), JSON.stringify(text));
      }
    });

    it("does not backtrack exponentially on nested parenthesised defaults", () => {
      const nested = "(a = ".repeat(40) + "1" + ")".repeat(40);
      const start = Date.now();
      const r = parse(`x = ${nested};`, "t.raya");
      assert.deepEqual(r.diagnostics, []);
      assert.ok(Date.now() - start < 500);
    });

    it("parses a large file quickly", () => {
      const big = Array.from({ length: 200 }, (_, i) => program.replace("class Shape", `class Shape${i}`).replace("function main", `function main${i}`)).join("\n");
      const start = Date.now();
      const r = parse(big, "big.raya");
      const elapsed = Date.now() - start;
      assert.deepEqual(r.diagnostics, []);
      assert.ok(elapsed < 3000, `took ${elapsed}ms`); // generous: CI machines are shared
    });
  });
});

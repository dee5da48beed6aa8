// The type checker: for each rule an accepted program and a rejected one with the exact
// message and position. Sources are checked with the real prelude and library.
import { strict as assert } from "node:assert";
import { errorsOf } from "./checker-helpers";

type Case = [name: string, source: string, expected: string[]];

function run(cases: Case[]): void {
  for (const [name, source, expected] of cases) {
    it(name, () => assert.deepEqual(errorsOf(source), expected));
  }
}

describe("checker: primitives and int/number", () => {
  run([
    ["int literal infers int, arithmetic stays int", "let x = 1; let y: int = x + 2 * 3 - 4 % 2;", []],
    ["int widens to number", "let x: int = 3; let y: number = x;", []],
    ["number does not narrow to int", "let n: number = 1.5;\nlet i: int = n;", ["2:14 Type 'number' is not assignable to type 'int'."]],
    ["fraction literal is number", "let i: int = 1.5;", ["1:14 Type 'number' is not assignable to type 'int'."]],
    ["let x = 0 then x += 0.5", "let x = 0;\nx += 0.5;", ["2:1 Type 'number' is not assignable to type 'int'."]],
    ["division gives number", "let a = 4;\nlet b: int = a / 2;", ["2:14 Type 'number' is not assignable to type 'int'."]],
    ["exponent gives number", "let b: int = 2 ** 3;", ["1:14 Type 'number' is not assignable to type 'int'."]],
    ["bitwise gives int", "let n: number = 5.5; let b: int = n | 0;", []],
    ["Math.floor returns int", "let b: int = Math.floor(2.5) + Math.round(1.2) + Math.trunc(3.3) + Math.ceil(0.1);", []],
    ["Math.sqrt returns number", "let b: int = Math.sqrt(4);", ["1:14 Type 'number' is not assignable to type 'int'."]],
    ["number op int is number", "let a: int = 1; let n: number = 2;\nlet c: int = a * n;", ["2:14 Type 'number' is not assignable to type 'int'."]],
    ["string is not number", "let a: number = \"x\";", ["1:17 Type 'string' is not assignable to type 'number'."]],
    ["boolean is not string", "let s: string = true;", ["1:17 Type 'boolean' is not assignable to type 'string'."]],
    ["null is not int", "let i: int = null;", ["1:14 Type 'null' is not assignable to type 'int'."]],
    ["nullable accepts null", "let i: int | null = null; let j: int | null = 4;", []],
    ["string concatenation with numbers", "let s: string = \"a\" + 1 + true;", []],
    ["plus on booleans is an error", "const b = true + false;", ["1:11 Operator '+' cannot be applied to types 'boolean' and 'boolean'."]],
    ["minus on strings is an error", "const b = \"a\" - 1;", ["1:11 Operator '-' cannot be applied to types 'string' and 'int'."]],
    ["comparison of strings", "const b: boolean = \"a\" < \"b\" && 1 <= 2.5;", []],
    ["comparison of string and number", "const b = \"a\" < 1;", ["1:11 Operator '<' cannot be applied to types 'string' and 'int'."]],
    ["unary minus keeps int", "let a = 3; let b: int = -a; let c: int = ~a; let d: int = -5;", []],
    ["unary minus on string", "const b = -\"a\";", ["1:11 Operator '-' cannot be applied to type 'string'."]],
    ["update on int", "let i = 0; i++; --i; let j: int = i++;", []],
    ["update on string", "let s = \"a\";\ns++;", ["2:1 Operator '++' cannot be applied to type 'string'."]],
    ["string += number", "let s = \"a\"; s += 1;", []],
    ["compound on const", "const c = 1;\nc += 1;", ["2:1 Cannot assign to 'c' because it is a constant."]],
    ["no overlap comparison", "const b = 1 === \"a\";", ["1:11 This comparison appears to be unintentional because the types 'int' and 'string' have no overlap."]],
    ["template literal", "const n = 3; const s: string = `n = ${n} and ${n * 2}`;", []],
    ["any is rejected", "let x: any = 1;", ["1:8 'any' is not allowed in Raya; use a specific type."]],
    ["any in a parameter", "function f(x: any[]): void {}", ["1:15 'any' is not allowed in Raya; use a specific type."]],
    ["undefined does not exist", "let x = undefined;", ["1:9 Cannot find name 'undefined'."]],
    ["unknown name", "console.log(foo);", ["1:13 Cannot find name 'foo'."]],
    ["unknown type name", "let x: Foo = 1;", ["1:8 Cannot find name 'Foo'."]],
    ["literal types", "type Dir = \"n\" | \"s\"; let d: Dir = \"n\"; d = \"s\";", []],
    ["literal type mismatch", "type Dir = \"n\" | \"s\";\nlet d: Dir = \"e\";", ["2:14 Type '\"e\"' is not assignable to type 'Dir'."]],
    ["number literal types", "type One = 1 | 2; let o: One = 2;", []],
    ["as widens", "const x = 1 as number; const s = \"a\" as string | null;", []],
    ["as cannot narrow", "const n: number = 1.5;\nconst x = n as int;", ["2:11 Conversion of type 'number' to type 'int' is not allowed; 'as' may only widen a type."]],
  ]);
});

describe("checker: declarations", () => {
  run([
    ["let and const", "let a = 1; const b = \"s\"; a = 2;", []],
    ["const reassignment", "const b = 1;\nb = 2;", ["2:1 Cannot assign to 'b' because it is a constant."]],
    ["use before declaration", "console.log(x);\nlet x = 1;", ["1:13 Block-scoped variable 'x' used before its declaration."]],
    ["function bodies may reference later declarations", "function f(): int { return later; }\nlet later = 1;\nf();", []],
    ["functions are hoisted", "const r: int = twice(2);\nfunction twice(n: int): int { return n * 2; }", []],
    ["class used before declaration", "const a = new A();\nclass A {}", ["1:15 Class 'A' used before its declaration."]],
    ["definite assignment", "let x: int;\nconsole.log(x);", ["2:13 Variable 'x' is used before being assigned."]],
    ["definitely assigned on all paths", "let x: int;\nif (Math.random() > 0.5) { x = 1; } else { x = 2; }\nconsole.log(x);", []],
    ["assigned on one path only", "let x: int;\nif (Math.random() > 0.5) { x = 1; }\nconsole.log(x);", ["3:13 Variable 'x' is used before being assigned."]],
    ["duplicate let", "let a = 1;\nlet a = 2;", ["2:5 Cannot redeclare block-scoped variable 'a'."]],
    ["shadowing in a block is fine", "let a = 1; { let a = \"s\"; console.log(a); }", []],
    ["block scoping", "{ let inner = 1; }\nconsole.log(inner);", ["2:13 Cannot find name 'inner'."]],
    ["unannotated without initialiser", "let x;", ["1:5 Variable 'x' implicitly has an 'any' type."]],
    ["array destructuring", "const [a, b] = [1, 2]; const s: int = a + b;", []],
    ["tuple destructuring types", "const t: [int, string] = [1, \"a\"];\nconst [n, s] = t;\nconst bad: int = s;", ["3:18 Type 'string' is not assignable to type 'int'."]],
    ["tuple destructuring out of range", "const t: [int, string] = [1, \"a\"];\nconst [a, b, c] = t;", ["2:14 Tuple type '[int, string]' of length '2' has no element at index '2'."]],
    ["object destructuring with rename and default", "const o = { a: 1, b: \"x\" }; const { a, b: bee } = o; const n: int = a; const s: string = bee;", []],
    ["object destructuring unknown property", "const o = { a: 1 };\nconst { z } = o;", ["2:9 Property 'z' does not exist on type '{ a: int }'."]],
    ["array rest", "const [h, ...rest] = [1, 2, 3]; const r: int[] = rest;", []],
    ["object rest", "const o = { a: 1, b: \"x\", c: true }; const { a, ...others } = o; const c: boolean = others.c;", []],
    ["destructuring default keeps element type", "const xs: (int | null)[] = [null]; const [first = 0] = xs;\nconst n: int = first;", ["2:16 Type 'int | null' is not assignable to type 'int'."]],
  ]);
});

describe("checker: functions", () => {
  run([
    ["typed function", "function add(a: int, b: int): int { return a + b; } const r: int = add(1, 2);", []],
    ["argument type", "function f(x: int): void {}\nf(\"a\");", ["2:3 Argument of type 'string' is not assignable to parameter of type 'int'."]],
    ["too many arguments", "function f(x: int): void {}\nf(1, 2);", ["2:1 Expected 1 arguments, but got 2."]],
    ["too few arguments", "function f(x: int, y: int): void {}\nf(1);", ["2:1 Expected 2 arguments, but got 1."]],
    ["optional parameters range", "function f(x: int, y?: int): void {}\nf();", ["2:1 Expected 1-2 arguments, but got 0."]],
    ["optional parameter is T | null", "function f(x: int, y?: int): int { return x + y; }", ["1:43 Operator '+' cannot be applied to types 'int' and 'int | null'."]],
    ["default parameter", "function f(x: int, y: int = 2): int { return x + y; } f(1); f(1, 3);", []],
    ["default parameter type inferred", "function f(y = 2): int { return y; } f(5);", []],
    ["rest parameters", "function sum(...xs: int[]): int { return xs.reduce((a, b) => a + b, 0); } sum(); sum(1, 2, 3);", []],
    ["rest parameter arity message", "function f(a: int, ...xs: int[]): void {}\nf();", ["2:1 Expected at least 1 arguments, but got 0."]],
    ["rest parameter element type", "function f(...xs: int[]): void {}\nf(1, \"a\");", ["2:6 Argument of type 'string' is not assignable to parameter of type 'int'."]],
    ["spread into rest", "function f(...xs: int[]): void {} const a = [1, 2]; f(...a);", []],
    ["spread into fixed params", "function f(a: int, b: int): void {}\nconst xs = [1, 2];\nf(...xs);", ["3:3 A spread argument must either have a tuple type or be passed to a rest parameter."]],
    ["inferred return type", "function f(a: int) { return a * 2; } const r: int = f(2);", []],
    ["inferred return type is checked", "function f(a: int) { return a / 2; }\nconst r: int = f(2);", ["2:16 Type 'number' is not assignable to type 'int'."]],
    ["return type mismatch", "function f(): int {\n  return \"s\";\n}", ["2:10 Type 'string' is not assignable to type 'int'."]],
    ["not all code paths return", "function f(x: int): int {\n  if (x > 0) return 1;\n}", ["1:21 Not all code paths return a value."]],
    ["all paths return through else", "function f(x: int): int { if (x > 0) { return 1; } else { return 2; } }", []],
    ["throw ends a path", "function f(x: int): int { if (x > 0) return 1; throw new Error(\"no\"); }", []],
    ["while true ends a path", "function f(): int { while (true) { if (Math.random() > 0.5) return 1; } }", []],
    ["void function needs no return", "function f(): void { console.log(1); }", []],
    ["unannotated parameter", "function f(x) { return 1; }", ["1:12 Parameter 'x' implicitly has an 'any' type."]],
    ["arrow with annotations", "const f = (a: int, b: int): int => a + b; const r: int = f(1, 2);", []],
    ["callback parameters are contextually typed", "const xs = [1, 2, 3]; const ys: int[] = xs.map(x => x + 1);", []],
    ["callback with wrong use", "const xs = [\"a\"];\nconst ys = xs.map(x => x * 2);", ["2:24 Operator '*' cannot be applied to types 'string' and 'int'."]],
    ["function type annotation", "let f: (x: int) => int = (x) => x * 2; f = (y: int) => y;", []],
    ["function type mismatch", "let f: (x: int) => int = (x: string) => 1;", ["1:26 Type '(x: string) => int' is not assignable to type '(x: int) => int'."]],
    ["fewer callback params are fine", "let f: (x: int, y: int) => int = (x) => x;", []],
    ["calling a non-function", "const n = 5;\nn();", ["2:1 This expression is not callable."]],
    ["recursion with annotations", "function fact(n: int): int { return n <= 1 ? 1 : n * fact(n - 1); }", []],
    ["function expression", "const f = function (a: int): int { return a; }; f(1);", []],
    ["closures capture", "function counter(): () => int { let c = 0; return () => { c++; return c; }; } const next = counter(); const v: int = next();", []],
    ["top-level return in entry", "return 5;", []],
    ["void value", "function f(): void {}\nconst x = f();", ["2:11 An expression of type 'void' cannot be used as a value."]],
  ]);
});

describe("checker: classes", () => {
  run([
    ["fields, constructor, methods", "class P { x: int; y: int = 0; constructor(x: int) { this.x = x; } sum(): int { return this.x + this.y; } } const p = new P(1); const s: int = p.sum();", []],
    ["parameter properties", "class P { constructor(public x: int, private y: string) {} } const p = new P(1, \"a\"); const n: int = p.x;", []],
    ["private parameter property", "class P { constructor(private y: string) {} }\nconst p = new P(\"a\");\np.y;", ["3:3 Property 'y' is private and only accessible within class 'P'."]],
    ["constructor arguments", "class P { constructor(x: int) {} }\nnew P(\"a\");", ["2:7 Argument of type 'string' is not assignable to parameter of type 'int'."]],
    ["unknown property", "class P { x = 1; }\nconst p = new P();\np.z;", ["3:3 Property 'z' does not exist on type 'P'."]],
    ["unknown method call", "class P { x = 1; }\nnew P().run();", ["2:9 Property 'run' does not exist on type 'P'."]],
    ["field initialiser type", "class P {\n  x: int = \"a\";\n}", ["2:12 Type 'string' is not assignable to type 'int'."]],
    ["uninitialised field", "class P {\n  x: int;\n}", ["2:3 Property 'x' has no initializer and is not definitely assigned in the constructor."]],
    ["optional field is nullable", "class P { x?: int; } const p = new P(); const v: int | null = p.x;", []],
    ["private access inside class", "class P { private s = 1; get(): int { return this.s; } other(o: P): int { return o.s; } }", []],
    ["private access outside", "class P { private s = 1; }\nnew P().s;", ["2:9 Property 's' is private and only accessible within class 'P'."]],
    ["protected access in subclass", "class A { protected v = 1; } class B extends A { get(): int { return this.v; } }", []],
    ["protected access outside", "class A { protected v = 1; }\nnew A().v;", ["2:9 Property 'v' is protected and only accessible within class 'A' and its subclasses."]],
    ["private not visible in subclass", "class A { private v = 1; }\nclass B extends A { get(): int { return this.v; } }", ["2:46 Property 'v' is private and only accessible within class 'A'."]],
    ["readonly field assigned in constructor", "class A { readonly v: int; constructor() { this.v = 1; } }", []],
    ["readonly field assigned elsewhere", "class A { readonly v: int = 1; set(): void {\n  this.v = 2;\n} }", ["2:8 Cannot assign to 'v' because it is a read-only property."]],
    ["getter and setter", "class A { private _v = 1; get v(): int { return this._v; } set v(x: int) { this._v = x; } } const a = new A(); a.v = a.v + 1;", []],
    ["getter without setter", "class A { get v(): int { return 1; } }\nconst a = new A();\na.v = 2;", ["3:3 Cannot assign to 'v' because it is a read-only property."]],
    ["static members", "class C { static count = 0; static inc(): int { C.count++; return C.count; } } const n: int = C.inc();", []],
    ["static is not on instances", "class C { static count = 0; }\nnew C().count;", ["2:9 Property 'count' does not exist on type 'C'."]],
    ["inheritance and super", "class A { constructor(public n: int) {} hi(): string { return \"a\"; } } class B extends A { constructor() { super(1); } hi(): string { return super.hi() + \"b\"; } } const b: A = new B();", []],
    ["derived constructor without super", "class A {}\nclass B extends A {\n  constructor() {}\n}", ["3:3 Constructors for derived classes must contain a 'super' call."]],
    ["this before super", "class A {}\nclass B extends A {\n  x = 1;\n  constructor() {\n    this.x = 2;\n    super();\n  }\n}", ["5:5 'super' must be called before accessing 'this' in the constructor of a derived class."]],
    ["super arguments", "class A { constructor(n: int) {} }\nclass B extends A { constructor() { super(\"x\"); } }", ["2:43 Argument of type 'string' is not assignable to parameter of type 'int'."]],
    ["incompatible override", "class A { m(): int { return 1; } }\nclass B extends A {\n  m(): string { return \"\"; }\n}", ["3:3 Property 'm' in type 'B' is not assignable to the same property in base type 'A'."]],
    ["abstract class cannot be instantiated", "abstract class S { abstract area(): number; }\nnew S();", ["2:1 Cannot create an instance of an abstract class."]],
    ["abstract member implemented", "abstract class S { abstract area(): number; describe(): string { return `${this.area()}`; } } class Sq extends S { area(): number { return 4; } } const s: S = new Sq();", []],
    ["abstract member missing", "abstract class S { abstract area(): number; }\nclass Sq extends S {}", ["2:7 Non-abstract class 'Sq' does not implement inherited abstract member 'area' from class 'S'."]],
    ["implements checked structurally", "interface Named { name: string; } class Cat implements Named { name = \"tom\"; }", []],
    ["implements missing member", "interface Named { name: string; }\nclass Cat implements Named { age = 1; }", ["2:7 Class 'Cat' incorrectly implements interface 'Named'."]],
    ["structural assignment of classes", "class A { x = 1; } class B { x = 2; y = 3; } const a: A = new B();", []],
    ["private members make classes nominal", "class A { private x = 1; }\nclass B { private x = 1; }\nconst a: A = new B();", ["3:14 Type 'B' is not assignable to type 'A'."]],
    ["subclass assignable to base", "class A { private x = 1; } class B extends A {} const a: A = new B();", []],
    ["base not assignable to subclass", "class A {}\nclass B extends A { y = 1; }\nconst b: B = new A();", ["3:14 Type 'A' is not assignable to type 'B'."]],
    ["class is not callable", "class A {}\nA();", ["2:1 This expression is not callable."]],
    ["generic class", "class Box<T> { constructor(public value: T) {} get(): T { return this.value; } } const b = new Box(5); const n: int = b.get(); const s = new Box<string>(\"a\"); const t: string = s.value;", []],
    ["generic class argument mismatch", "class Box<T> { constructor(public value: T) {} }\nconst b = new Box<string>(1);", ["2:27 Argument of type 'int' is not assignable to parameter of type 'string'."]],
    ["this outside class", "function f(): void {\n  console.log(this);\n}", ["2:15 'this' implicitly has type 'any' because it does not have a type annotation."]],
    ["arrow keeps this", "class A { n = 1; f(): () => int { return () => this.n; } }", []],
    ["user error class", "class MyError extends Error { constructor(msg: string) { super(msg); this.name = \"MyError\"; } } const e = new MyError(\"x\"); const m: string = e.message + e.stack;", []],
    ["Error classes from the prelude", "const e = new TypeError(\"bad\"); const r = new RangeError(); const m: string = e.message;", []],
    ["method assigned to variable", "class A { n = 1; get(): int { return this.n; } } const a = new A(); const f: () => int = a.get;", []],
  ]);
});

describe("checker: null and narrowing", () => {
  run([
    ["possibly null member access", "function f(s: string | null): int {\n  return s.length;\n}", ["2:10 Object is possibly 'null'."]],
    ["!== null narrows", "function f(s: string | null): int { if (s !== null) { return s.length; } return 0; }", []],
    ["!= null narrows", "function f(s: string | null): int { if (s != null) return s.length; return 0; }", []],
    ["truthiness narrows", "function f(s: string | null): int { if (s) return s.length; return 0; }", []],
    ["early return narrows the rest", "function f(s: string | null): int { if (s === null) return 0; return s.length; }", []],
    ["early throw narrows the rest", "function f(s: string | null): int { if (!s) { throw new Error(\"no\"); } return s.length; }", []],
    ["continue narrows the rest of a loop body", "function f(xs: (string | null)[]): int { let n = 0; for (const x of xs) { if (x === null) continue; n += x.length; } return n; }", []],
    ["narrowing does not leak", "function f(s: string | null): int {\n  if (s !== null) { console.log(s.length); }\n  return s.length;\n}", ["3:10 Object is possibly 'null'."]],
    ["&& narrows", "function f(s: string | null): boolean { return s !== null && s.length > 0; }", []],
    ["|| narrows", "function f(s: string | null): boolean { return s === null || s.length > 0; }", []],
    ["ternary narrows", "function f(s: string | null): int { return s !== null ? s.length : 0; }", []],
    ["?? removes null", "function f(s: string | null): string { return s ?? \"\"; }", []],
    ["optional chaining gives nullable", "function f(s: string | null): int {\n  return s?.length;\n}", ["2:10 Type 'int | null' is not assignable to type 'int'."]],
    ["optional chaining with ??", "function f(s: string | null): int { return s?.length ?? 0; }", []],
    ["optional chain continues", "class N { next: N | null = null; v = 1; } function f(n: N | null): int { return n?.next?.v ?? 0; }", []],
    ["typeof narrows", "function f(x: string | int): int { if (typeof x === \"string\") { return x.length; } return x + 1; }", []],
    ["typeof else branch", "function f(x: string | int): int {\n  if (typeof x === \"number\") { return x; }\n  return x;\n}", ["3:10 Type 'string' is not assignable to type 'int'."]],
    ["instanceof narrows", "class A { a = 1; } class B { b = \"x\"; } function f(x: A | B): int { if (x instanceof A) { return x.a; } return x.b.length; }", []],
    ["instanceof narrows unknown", "function f(e: unknown): string { if (e instanceof Error) return e.message; return \"?\"; }", []],
    ["catch variable is unknown", "try { throw new Error(\"x\"); } catch (e) {\n  console.log(e.message);\n}", ["2:17 Property 'message' does not exist on type 'unknown'."]],
    ["in narrows", "type A = { a: int }; type B = { b: string }; function f(x: A | B): int { if (\"a\" in x) return x.a; return x.b.length; }", []],
    ["discriminated union with ===", "type S = { kind: \"c\"; r: number } | { kind: \"s\"; side: number }; function area(s: S): number { if (s.kind === \"c\") return s.r; return s.side; }", []],
    ["discriminated union wrong member", "type S = { kind: \"c\"; r: number } | { kind: \"s\"; side: number };\nfunction area(s: S): number {\n  if (s.kind === \"c\") return s.side;\n  return 0;\n}", ["3:32 Property 'side' does not exist on type '{ kind: \"c\"; r: number }'."]],
    ["discriminated union switch", "type S = { kind: \"c\"; r: number } | { kind: \"s\"; side: number }; function area(s: S): number { switch (s.kind) { case \"c\": return s.r * s.r; case \"s\": return s.side; } }", []],
    ["non-exhaustive switch", "type S = { kind: \"c\"; r: number } | { kind: \"s\"; side: number };\nfunction area(s: S): number {\n  switch (s.kind) { case \"c\": return s.r; }\n}", ["2:22 Not all code paths return a value."]],
    ["switch with default", "function f(n: int): string { switch (n) { case 1: return \"one\"; default: return \"many\"; } }", []],
    ["switch fall-through", "function f(n: int): int { let r = 0; switch (n) { case 1: case 2: r = 1; break; case 3: r = 3; } return r; }", []],
    ["assignment narrows declared union", "let s: string | null = null; s = \"abc\"; const n: int = s.length;", []],
    ["assignment in loop invalidates", "let s: string | null = \"a\";\nwhile (Math.random() > 0.5) {\n  console.log(s.length);\n  s = null;\n}", ["3:15 Object is possibly 'null'."]],
    ["narrowed const is kept in closures", "function f(s: string | null): () => int { if (s === null) return () => 0; return () => s.length; }", []],
    ["reassigned variables are not narrowed in closures", "let s: string | null = \"a\";\nif (s !== null) {\n  const g = () => s.length;\n}\ns = null;", ["3:19 Object is possibly 'null'."]],
    ["property narrowing", "class N { next: N | null = null; } function f(n: N): N { if (n.next !== null) { return n.next; } return n; }", []],
    ["calling a possibly null function", "function f(g: (() => int) | null): int {\n  return g();\n}", ["2:10 Cannot invoke an object which is possibly 'null'."]],
    ["optional call", "function f(g: (() => int) | null): int | null { return g?.(); }", []],
    ["??= on nullable", "let s: string | null = null; s ??= \"x\";", []],
  ]);
});

describe("checker: arrays, tuples, objects", () => {
  run([
    ["array literal infers element type", "const xs = [1, 2, 3]; const ys: int[] = xs;", []],
    ["mixed int and number widen to number", "const xs = [1, 2.5];\nconst ys: int[] = xs;", ["2:19 Type 'number[]' is not assignable to type 'int[]'."]],
    ["mixed element types make a union", "const xs = [1, \"a\"]; const ys: (int | string)[] = xs;", []],
    ["empty array with annotation", "const xs: string[] = []; xs.push(\"a\");", []],
    ["wrong element", "const xs: int[] = [1, \"a\"];", ["1:23 Type 'string' is not assignable to type 'int'."]],
    ["indexing", "const xs = [1, 2]; const a: int = xs[0]; const s = \"abc\"; const c: string = s[1];", []],
    ["index must be numeric", "const xs = [1, 2];\nconst a = xs[\"0\"];", ["2:11 Element implicitly has an 'any' type because expression of type 'string' can't be used to index type 'int[]'."]],
    ["tuple types", "const t: [int, string] = [1, \"a\"]; const n: int = t[0]; const s: string = t[1];", []],
    ["tuple out of range", "const t: [int, string] = [1, \"a\"];\nconst x = t[2];", ["2:13 Tuple type '[int, string]' of length '2' has no element at index '2'."]],
    ["tuple element mismatch", "const t: [int, string] = [\"a\", 1];", ["1:27 Type 'string' is not assignable to type 'int'.", "1:32 Type 'int' is not assignable to type 'string'."]],
    ["spread in array literal", "const a = [1, 2]; const b: int[] = [0, ...a, 3];", []],
    ["object literal type", "const o = { x: 1, y: \"s\" }; const n: int = o.x; const s: string = o.y;", []],
    ["object literal display", "const o = { x: 1, y: 2 };\nconst s: string = o;", ["2:19 Type '{ x: int; y: int }' is not assignable to type 'string'."]],
    ["object type annotation", "type P = { x: int; y: int }; const p: P = { x: 1, y: 2 }; p.x = 3;", []],
    ["missing property", "type P = { x: int; y: int };\nconst p: P = { x: 1 };", ["2:14 Type '{ x: int }' is not assignable to type 'P'."]],
    ["excess property", "type P = { x: int };\nconst p: P = { x: 1, z: 2 };", ["2:22 Object literal may only specify known properties, and 'z' does not exist in type 'P'."]],
    ["optional property", "type P = { x: int; label?: string }; const p: P = { x: 1 }; const l: string | null = p.label;", []],
    ["readonly property", "type P = { readonly x: int };\nconst p: P = { x: 1 };\np.x = 2;", ["3:3 Cannot assign to 'x' because it is a read-only property."]],
    ["object methods", "const o = { n: 1, get(): int { return 2; } }; const v: int = o.get();", []],
    ["object spread", "const a = { x: 1 }; const b = { ...a, y: 2 }; const n: int = b.x + b.y;", []],
    ["interfaces with extends", "interface A { a: int; } interface B extends A { b: string; } const v: B = { a: 1, b: \"x\" }; const n: int = v.a;", []],
    ["interface method signatures", "interface Shape { area(): number; } class Sq implements Shape { area(): number { return 1; } } const s: Shape = new Sq();", []],
    ["intersection types", "type A = { a: int }; type B = { b: int }; const v: A & B = { a: 1, b: 2 }; const n: int = v.a + v.b;", []],
    ["recursive alias", "type Tree = { value: int; children: Tree[] }; const t: Tree = { value: 1, children: [{ value: 2, children: [] }] }; const n: int = t.children[0].value;", []],
    ["nested property type error", "type P = { x: int };\nconst p: P = { x: \"a\" };", ["2:16 Type 'string' is not assignable to type 'int'."]],
  ]);
});

describe("checker: library", () => {
  run([
    ["string methods", "const s = \"Hello\"; const u: string = s.toUpperCase().trim().slice(1, 3).padStart(5, \"*\"); const i: int = s.indexOf(\"l\"); const parts: string[] = s.split(\",\"); const b: boolean = s.startsWith(\"H\") && s.includes(\"e\"); const c: string | null = s.at(0); const n: int = s.length;", []],
    ["string method that does not exist", "let s = \"Hello\";\ns.reverse();", ["2:3 Property 'reverse' does not exist on type 'string'."]],
    ["number methods", "const n = 3.14159; const s: string = n.toFixed(2) + (255).toString(16);", []],
    ["array methods", "const xs = [3, 1, 2]; xs.push(4); const last: int | null = xs.pop(); const sorted: int[] = xs.sort((a, b) => a - b); const joined: string = xs.join(\"-\"); const found: int | null = xs.find(x => x > 1); const idx: int = xs.findIndex(x => x > 1); const all: boolean = xs.every(x => x > 0) || xs.some(x => x > 2); const flat: string[] = xs.flatMap(x => [`${x}`]); xs.forEach((x, i) => console.log(x, i));", []],
    ["reduce without initial value", "const xs = [1, 2]; const s: int = xs.reduce((a, b) => a + b);", []],
    ["reduce to another type", "const xs = [1, 2]; const s: string = xs.reduce((acc, x) => acc + x, \"\");", []],
    ["reduce infers widest", "const xs = [1.5, 2]; const s: number = xs.reduce((a, x) => a + x, 0);", []],
    ["map changes element type", "const xs = [1, 2];\nconst ys: int[] = xs.map(x => `${x}`);", ["2:19 Type 'string[]' is not assignable to type 'int[]'."]],
    ["pop returns nullable", "const xs = [1];\nconst v: int = xs.pop();", ["2:16 Type 'int | null' is not assignable to type 'int'."]],
    ["push wrong type", "const xs = [1];\nxs.push(\"a\");", ["2:9 Argument of type 'string' is not assignable to parameter of type 'int'."]],
    ["array length is read-only", "const xs = [1];\nxs.length = 0;", ["2:4 Cannot assign to 'length' because it is a read-only property."]],
    ["Map", "const m = new Map<string, int>(); m.set(\"a\", 1); const v: int | null = m.get(\"a\"); const ks: string[] = m.keys(); const es: [string, int][] = m.entries(); const n: int = m.size; m.forEach((v, k) => console.log(k, v));", []],
    ["Map from entries", "const m = new Map([[\"a\", 1]] as [string, int][]); const v: int | null = m.get(\"a\");", []],
    ["Map get is nullable", "const m = new Map<string, int>();\nconst v: int = m.get(\"a\");", ["2:16 Type 'int | null' is not assignable to type 'int'."]],
    ["Map contextual type arguments", "const m: Map<string, int> = new Map(); m.set(\"x\", 2);", []],
    ["Map display", "const m = new Map<string, int>();\nconst s: string = m;", ["2:19 Type 'Map<string, int>' is not assignable to type 'string'."]],
    ["Set", "const s = new Set<int>([1, 2]); s.add(3); const h: boolean = s.has(1); const vs: int[] = s.values();", []],
    ["for of Map gives pairs", "const m = new Map<string, int>(); for (const [k, v] of m) { const a: string = k; const b: int = v; }", []],
    ["for of Set", "const s = new Set<string>(); for (const x of s) { const a: string = x; }", []],
    ["for of string", "for (const ch of \"abc\") { const s: string = ch; }", []],
    ["for of non-iterable", "const n = 5;\nfor (const x of n) {}", ["2:17 Type 'int' is not iterable."]],
    ["Math and globals", "const r: number = Math.max(1, 2.5) + Math.min(3, 4) + Math.abs(-1) + Math.pow(2, 3) + Math.random() + Math.PI + parseInt(\"12\") + parseFloat(\"1.5\") + Number(\"3\") + Date.now(); const ok: boolean = isNaN(r) || isFinite(r) || Number.isInteger(r);", []],
    ["Math.max of ints is int", "const m: int = Math.max(1, 2, 3);", []],
    ["Math.PI is read-only", "Math.PI = 3;", ["1:6 Cannot assign to 'PI' because it is a read-only property."]],
    ["String and Boolean conversions", "const s: string = String(5) + String.fromCharCode(65); const b: boolean = Boolean(\"x\");", []],
    ["JSON", "const s: string = JSON.stringify({ a: 1 }); const v: JsonValue = JSON.parse(s); if (v instanceof Map) { const x = v.get(\"a\"); }", []],
    ["console.log takes anything", "console.log(1, \"a\", [1], { a: 1 }, null, new Map<string, int>());", []],
    ["Array.isArray and Array.from", "const a: boolean = Array.isArray([1]); const b: int[] = Array.from(new Set<int>([1])); const c: string[] = Array.from(\"ab\");", []],
    ["Mutex and Channel", "const m = new Mutex(); m.lock(); m.unlock(); const ok: boolean = m.tryLock() || m.isLocked(); const ch = new Channel<int>(2); ch.send(1); const v: int = ch.receive(); const w: int | null = ch.tryReceive(); const n: int = ch.length + ch.capacity; ch.close(); const c: boolean = ch.isClosed() || ch.trySend(3); sleep(1);", []],
    ["Channel element type", "const ch = new Channel<int>(1);\nch.send(\"a\");", ["2:9 Argument of type 'string' is not assignable to parameter of type 'int'."]],
    ["Task cannot be constructed", "const t = new Task<int>();", ["1:11 Constructor of class 'Task' is private and only accessible within the class declaration."]],
    ["prelude intrinsics are hidden", "Array$map([1], (x: int) => x);", ["1:1 Cannot find name 'Array$map'."]],
  ]);
});

describe("checker: generics", () => {
  run([
    ["generic function inference", "function id<T>(x: T): T { return x; } const n: int = id(5); const s: string = id(\"a\");", []],
    ["explicit type arguments", "function id<T>(x: T): T { return x; }\nconst n = id<string>(5);", ["2:22 Argument of type 'int' is not assignable to parameter of type 'string'."]],
    ["wrong number of type arguments", "function id<T>(x: T): T { return x; }\nid<int, int>(5);", ["2:1 Expected 1 type arguments, but got 2."]],
    ["inference from arrays", "function first<T>(xs: T[]): T | null { return xs.length > 0 ? xs[0] : null; } const f: int | null = first([1, 2]);", []],
    ["inference through callbacks", "function apply<T, U>(x: T, f: (v: T) => U): U { return f(x); } const s: string = apply(3, v => `${v + 1}`);", []],
    ["inferred type is enforced", "function pair<T>(a: T, b: T): T[] { return [a, b]; }\nconst p: int[] = pair(1, \"a\");", ["2:18 Type '(int | string)[]' is not assignable to type 'int[]'."]],
    ["constraints", "function len<T extends { length: int }>(x: T): int { return x.length; } len(\"abc\"); len([1, 2]);", []],
    ["constraint violated", "function len<T extends { length: int }>(x: T): int { return x.length; }\nlen(5);", ["2:5 Argument of type 'int' is not assignable to parameter of type '{ length: int }'."]],
    ["type parameter is opaque", "function f<T>(x: T): int {\n  return x;\n}", ["2:10 Type 'T' is not assignable to type 'int'."]],
    ["generic alias", "type Pair<A, B> = { first: A; second: B }; const p: Pair<int, string> = { first: 1, second: \"x\" }; const s: string = p.second;", []],
    ["generic alias argument count", "type Pair<A, B> = { first: A; second: B };\nlet p: Pair<int>;", ["2:8 Generic type 'Pair' requires 2 type argument(s)."]],
    ["generic interface", "interface Box<T> { value: T; } const b: Box<int> = { value: 1 }; const n: int = b.value;", []],
    ["generic class with constraint", "class Named<T extends { name: string }> { constructor(public item: T) {} label(): string { return this.item.name; } } const n = new Named({ name: \"x\" }); const s: string = n.label();", []],
    ["generic method", "class C { wrap<T>(x: T): T[] { return [x]; } } const xs: string[] = new C().wrap(\"a\");", []],
    ["Promise is Task", "async function f(): Promise<int> { return 1; } const t: Task<int> = f();", []],
  ]);
});

describe("checker: async and tasks", () => {
  run([
    ["async function returns Task", "async function f(x: int): Task<int> { return x * 2; } const t: Task<int> = f(1); const v: int = await t;", []],
    ["async return type must be a Task", "async function f(): int { return 1; }", ["1:21 The return type of an async function must be 'Task<T>' or 'Promise<T>'."]],
    ["async return value checked against T", "async function f(): Task<int> {\n  return \"a\";\n}", ["2:10 Type 'string' is not assignable to type 'int'."]],
    ["inferred async return", "async function f() { return \"s\"; } const t: Task<string> = f();", []],
    ["await array of tasks", "async function f(x: int): Task<int> { return x; } const vs: int[] = await [f(1), f(2)];", []],
    ["async call prefix", "function slow(n: int): int { return n; } const t: Task<int> = async slow(2); t.cancel(); const v: int = await t;", []],
    ["await outside async", "async function f(): Task<int> { return 1; }\nfunction g(): void {\n  const v = await f();\n}", ["3:13 'await' expressions are only allowed within async functions and at the top levels of modules."]],
    ["top-level await in entry", "async function f(): Task<int> { return 1; } const v: int = await f();", []],
    ["task value needs await", "async function f(): Task<int> { return 1; }\nconst v: int = f();", ["2:16 Type 'Task<int>' is not assignable to type 'int'."]],
    ["async arrow", "const f = async (x: int): Task<int> => x + 1; const t: Task<int> = f(1);", []],
    ["async method", "class S { async load(): Task<string> { return \"x\"; } } async function main(): Task<void> { const s: string = await new S().load(); }", []],
  ]);
});

describe("checker: statements", () => {
  run([
    ["for loop", "let s = 0; for (let i = 0; i < 10; i++) { s += i; } const n: int = s;", []],
    ["for loop variable is block scoped", "for (let i = 0; i < 2; i++) {}\nconsole.log(i);", ["2:13 Cannot find name 'i'."]],
    ["while and do-while", "let i = 0; while (i < 3) { i++; } do { i--; } while (i > 0);", []],
    ["labelled break and continue", "outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j === 1) continue outer; if (i === 2) break outer; } }", []],
    ["break outside loop", "function f(): void {\n  break;\n}", ["2:3 A 'break' statement can only be used within an enclosing iteration or switch statement."]],
    ["continue outside loop", "function f(): void {\n  continue;\n}", ["2:3 A 'continue' statement can only be used within an enclosing iteration statement."]],
    ["unknown label", "while (true) {\n  break nowhere;\n}", ["2:3 A 'break' statement can only jump to a label of an enclosing statement."]],
    ["try catch finally", "function f(): int { try { return 1; } catch (e) { return 2; } finally { console.log(\"done\"); } }", []],
    ["throw anything", "function f(): void { throw \"oops\"; }", []],
    ["switch case type", "function f(s: string): void {\n  switch (s) { case 1: break; }\n}", ["2:21 Type 'int' is not comparable to type 'string'."]],
    ["for of with existing variable", "let x = 0; for (x of [1, 2]) {} ", []],
    ["for of element type", "const xs = [\"a\"];\nfor (const x of xs) { const n: int = x; }", ["2:38 Type 'string' is not assignable to type 'int'."]],
    ["logical assignment", "let a: int | null = null; a ||= 3; let b = true; b &&= false;", []],
    ["conditional expression type", "const c = Math.random() > 0.5 ? 1 : \"a\";\nconst n: int = c;", ["2:16 Type 'int | string' is not assignable to type 'int'."]],
    ["return outside entry file is checked per file", "function f(): void { return; }", []],
  ]);
});

describe("checker: robustness", () => {
  it("skips parse errors and never throws", () => {
    const errors = errorsOf("let x = ;\nconst y: int = \"a\";\nclass { }\nfunction (\n");
    assert.ok(errors.some((e) => e.includes("PARSE")));
    assert.ok(!errors.some((e) => e.includes("internal error")));
  });
  it("does not cascade from an unknown name", () => {
    assert.deepEqual(errorsOf("const a = missing;\nconst b: int = a.x.y;\nconst c: string = a(1, 2);"), ["1:11 Cannot find name 'missing'."]);
  });
  it("does not cascade from an unknown property", () => {
    assert.deepEqual(errorsOf("const o = { a: 1 };\nconst b: int = o.z.y + 1;"), ["2:18 Property 'z' does not exist on type '{ a: int }'."]);
  });
  it("survives garbage tokens", () => {
    for (const src of ["(((", "class A extends {", "let [a, = 1;", "x ? : y", "a.b.c(", "for (const of) {}", "switch (x) { case", "type T = ;"]) {
      assert.doesNotThrow(() => errorsOf(src), src);
    }
  });
  it("reports circular aliases instead of looping", () => {
    assert.deepEqual(errorsOf("type A = B;\ntype B = A;\nlet a: A;"), ["1:1 Type alias 'A' circularly references itself.", "2:1 Type alias 'B' circularly references itself."]);
  });
});

describe("checker: more rules", () => {
  run([
    ["object literal methods see the literal as this", "const c = { n: 0, inc(): void { this.n++; this.log(); }, log(): void { console.log(this.n); } }; c.inc();", []],
    ["object literal this is checked", "const c = { n: 0, get(): string {\n  return this.n;\n} };", ["2:10 Type 'int' is not assignable to type 'string'."]],
    ["abstract method in a concrete class", "class A {\n  abstract m(): void;\n}", ["2:3 Abstract methods can only appear within an abstract class."]],
    ["unsigned shift is int", "let f = 8; f >>>= 1; const g: int = f >>> 2;", []],
    ["minimum int literal", "const m: int = -2147483648;", []],
    ["too big for int", "const m: int = 2147483648;", ["1:16 Type 'number' is not assignable to type 'int'."]],
    ["Array.isArray narrows", "function f(v: JsonValue): int { if (Array.isArray(v)) return v.length; return 0; }", []],
    ["boolean discriminant truthiness", "type R = { ok: true; value: int } | { ok: false; error: string }; function f(r: R): string { if (r.ok) return `${r.value}`; return r.error; }", []],
    ["?? with an empty array keeps the element type", "const m = new Map<string, int[]>(); const xs = m.get(\"a\") ?? []; xs.push(1);", []],
    ["array literal element error points at the element", "const xs: int[] = [1,\n  \"two\", 3];", ["2:3 Type 'string' is not assignable to type 'int'."]],
    ["object literal property error points at the property", "type P = { x: int; y: int };\nconst p: P = { x: 1, y: \"2\" };", ["2:22 Type 'string' is not assignable to type 'int'."]],
    ["nested object literal errors", "type P = { inner: { v: int } };\nconst p: P = { inner: { v: true } };", ["2:25 Type 'boolean' is not assignable to type 'int'."]],
    ["nested excess property", "type P = { inner: { v: int } };\nconst p: P = { inner: { v: 1, w: 2 } };", ["2:31 Object literal may only specify known properties, and 'w' does not exist in type '{ v: int }'."]],
    ["assignment error points at the value", "let x = 0;\nx = \"a\";", ["2:5 Type 'string' is not assignable to type 'int'."]],
    ["property assignment error points at the value", "const o = { a: 1 };\no.a = \"s\";", ["2:7 Type 'string' is not assignable to type 'int'."]],
    ["explicit type argument violates constraint", "class NumBox<T extends number> { constructor(public v: T) {} }\nconst b = new NumBox<string>(\"x\");", ["2:22 Type 'string' does not satisfy the constraint 'number'."]],
    ["switch on a literal-typed constant", "const x = 5; switch (x) { case 1: console.log(1); break; case 5: console.log(5); }", []],
    ["comparison of different string literals", "const a = \"abc\"; console.log(a === \"abd\");", []],
    ["abstract error points at the class name", "abstract class S { abstract area(): number; }\nexport class Sq extends S {}", ["2:14 Non-abstract class 'Sq' does not implement inherited abstract member 'area' from class 'S'."]],
    ["super call to abstract method", "abstract class S { abstract area(): number; }\nclass Q extends S { area(): number { return super.area(); } }", ["2:45 Abstract method 'area' in class 'S' cannot be accessed via super expression."]],
    ["interfaces extending classes", "class P { x = 1; } interface Q extends P { y: int; } const q: Q = { x: 1, y: 2 };", []],
    ["private member cannot be overridden", "class A { private m(): void {} }\nclass B extends A {\n  m(): void {}\n}", ["3:3 Class 'B' incorrectly extends base class 'A'. Property 'm' is private in type 'A'."]],
    ["redeclared function", "function f(): void {}\nfunction f(): void {}", ["2:1 Cannot redeclare block-scoped variable 'f'."]],
    ["duplicate parameter", "function f(a: int, a: int): void {}", ["1:20 Duplicate identifier 'a'."]],
    ["duplicate type", "type A = int;\ntype A = string;", ["2:1 Duplicate identifier 'A'."]],
    ["duplicate object key", "const o = { a: 1,\n  a: 2 };", ["2:3 An object literal cannot have multiple properties with the same name."]],
    ["in requires an object", "const n = 5;\nconst b = \"a\" in n;", ["2:11 The right-hand side of an 'in' expression must not be a primitive."]],
    ["instanceof requires a class", "const n = { a: 1 };\nconst b = n instanceof n;", ["2:11 The right-hand side of an 'instanceof' expression must be a class."]],
    ["string index is read-only", "let s = \"abc\";\ns[0] = \"x\";", ["2:1 Index signature in type 'string' only permits reading."]],
    ["await of a non-task is its value", "async function f(): Task<int> { const v: int = await 5; return v; }", []],
    ["generic function type parameter default", "function make<T = int>(): T[] { return []; } const xs: int[] = make();", []],
    ["callbacks with void return accept values", "const xs = [1]; xs.forEach(x => x * 2);", []],
    ["recursive function return is inferred from the other returns", "function fib(n: int) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\nconst s: string = fib(3);", ["2:19 Type 'int' is not assignable to type 'string'."]],
    ["destructuring assignment swaps", "let a = 1; let b = 2; [a, b] = [b, a];", []],
    ["destructuring assignment types", "let a = 1; let s = \"x\";\n[a, s] = [s, a];", ["2:2 Type 'string' is not assignable to type 'int'.", "2:5 Type 'int' is not assignable to type 'string'."]],
    ["for of into an existing pattern", "let k = \"\"; let v = 0; for ([k, v] of new Map<string, int>()) {} ", []],
    ["typeof narrows unknown", "function g(x: unknown): string { if (typeof x === \"string\") return x; if (typeof x === \"number\") return `${x + 1}`; return \"?\"; }", []],
    ["unknown is not usable without narrowing", "function g(x: unknown): int {\n  return x;\n}", ["2:10 Type 'unknown' is not assignable to type 'int'."]],
    ["while loop over a linked list", "type N = { v: int; next: N | null }; function len(n: N | null): int { let c = 0; let cur = n; while (cur !== null) { c += cur.v; cur = cur.next; } return c; }", []],
    ["generic arrow functions", "const id = <T>(x: T): T => x; const n: int = id(5);\nconst s: string = id(5);", ["2:19 Type 'int' is not assignable to type 'string'."]],
    ["nested functions keep their own signatures", "const f = (a: string) => { const g = (b: int) => b; return g(a.length); };\nf(1);", ["2:3 Argument of type 'int' is not assignable to parameter of type 'string'."]],
    ["super getter", "class B { get label(): string { return \"b\"; } } class S extends B { get label(): string { return super.label + \"s\"; } }", []],
    ["optional interface method is nullable", "interface O { m?(): void; }\nconst o: O = {};\no.m();\no.m?.();", ["3:1 Cannot invoke an object which is possibly 'null'."]],
    ["generic base class", "class Box<T> { constructor(public value: T) {} get(): T { return this.value; } }\nclass IntBox extends Box<int> { constructor() { super(5); } twice(): int { return super.get() * 2; } }\nconst b: Box<int> = new IntBox();\nconst w: Box<string> = new IntBox();", ["4:24 Type 'IntBox' is not assignable to type 'Box<string>'."]],
    ["static members are inherited", "class A { static make(): int { return 1; } } class B extends A {} const n: int = B.make();", []],
    ["exhaustive switch over a literal union", "type Dir = \"n\" | \"s\"; function f(d: Dir): int { switch (d) { case \"n\": return 1; case \"s\": return 2; } }", []],
    ["narrowing survives a loop that does not assign", "function f(s: string | null): int { if (s === null) return 0; let n = 0; for (let i = 0; i < 3; i++) { n += s.length; } return n; }", []],
    ["while condition narrows after the loop", "function f(): int { let s: string | null = null; while (s === null) { s = \"x\"; } return s.length; }", []],
    ["break carries its state out of the loop", "function f(xs: (string | null)[]): int {\n  let found: string | null = null;\n  for (const x of xs) { if (x !== null) { found = x; break; } }\n  return found.length;\n}", ["4:10 Object is possibly 'null'."]],
    ["assignment in try is not trusted in catch", "function f(): int {\n  let s: string | null = \"a\";\n  try { s = null; s = \"b\"; } catch (e) { return s.length; }\n  return 0;\n}", ["3:49 Object is possibly 'null'."]],
    ["definite assignment through try and catch", "let x: int;\ntry { x = 1; } catch (e) { x = 2; }\nconsole.log(x);", []],
    ["definite assignment through switch with default", "function f(n: int): int { let r: int; switch (n) { case 1: r = 1; break; default: r = 2; } return r; }", []],
    ["definite assignment through switch without default", "function f(n: int): int {\n  let r: int;\n  switch (n) { case 1: r = 1; break; }\n  return r;\n}", ["4:10 Variable 'r' is used before being assigned."]],
    ["Map type arguments inferred from entries", "const m = new Map([[\"a\", 1], [\"b\", 2]]); const v: int | null = m.get(\"a\");\nm.set(1, 2);", ["2:7 Argument of type 'int' is not assignable to parameter of type 'string'."]],
    ["Set type argument inferred from items", "const s = new Set([\"x\"]); const h: boolean = s.has(\"x\");", []],
    ["array literals keep literal types the context needs", "type Dir = \"n\" | \"s\"; const ds: Dir[] = [\"n\"]; const t: [Dir, int][] = [[\"s\", 1]];", []],
    ["optional property display", "const p: { x: int; label?: string } = { x: 1 };\nconst n: int = p;", ["2:16 Type '{ x: int; label?: string }' is not assignable to type 'int'."]],
    ["protected constructor", "class A { protected constructor() {} static make(): A { return new A(); } }\nconst a = new A();", ["2:11 Constructor of class 'A' is protected and only accessible within the class declaration."]],
    ["union of arrays is iterable", "function f(xs: int[] | string[]): void { for (const x of xs) console.log(x); }", []],
  ]);
});

describe("checker: language-server hooks", () => {
  it("definitionOf finds declarations", () => {
    const { checkSource } = require("./checker-helpers") as typeof import("./checker-helpers");
    const { result, files } = checkSource("const answer = 42;\nclass K { m(): int { return 1; } }\nconsole.log(answer, new K().m());");
    const body = files.get("main.raya")!.body;
    const call = (body[2] as import("../../runtime/compiler/ast").ExprStmt).expression as import("../../runtime/compiler/ast").CallExpr;
    const ident = call.args[0] as import("../../runtime/compiler/ast").Identifier;
    const decl = result.definitionOf(ident);
    assert.equal(decl?.kind, "IdentifierPattern");
    assert.equal(decl?.line, 1);
    const mcall = call.args[1] as import("../../runtime/compiler/ast").CallExpr;
    assert.equal(result.definitionOf(mcall.callee)?.kind, "Method");
  });
});

describe("checker: destructuring into properties and elements", () => {
  run([
    ["element swap", "const xs = [1, 2, 3];\n[xs[0], xs[2]] = [xs[2], xs[0]];", []],
    ["object pattern into this and another object", "class P {\n  x: int = 0;\n  load(src: { a: int }, o: { y: int }): void {\n    ({ a: this.x, b: o.y } = { a: src.a, b: 2 });\n  }\n}", []],
    ["for...of head with element targets", "const m: int[] = [0, 0];\nfor ([m[0], m[1]] of [[1, 2]]) {}", []],
    ["value must fit the target", "const o = { s: \"\" };\n[o.s] = [1];", ["2:2 Type 'int' is not assignable to type 'string'."]],
    ["readonly target rejected", "class R { readonly r: int = 0; }\nconst r = new R();\n[r.r] = [1];", ["3:4 Cannot assign to 'r' because it is a read-only property."]],
    ["missing property target", "const o = { a: 1 };\n[o.b] = [1];", ["2:4 Property 'b' does not exist on type '{ a: int }'."]],
    ["string element target rejected", "const s = \"ab\";\n[s[0]] = [\"c\"];", ["2:2 Index signature in type 'string' only permits reading."]],
  ]);
});

describe("checker: definite assignment of fields and captured variables", () => {
  run([
    ["field assigned on both branches", "class A {\n  x: int;\n  constructor(c: boolean) {\n    if (c) this.x = 1;\n    else this.x = 2;\n  }\n}", []],
    ["field assigned on one branch only", "class A {\n  x: int;\n  constructor(c: boolean) {\n    if (c) this.x = 1;\n  }\n}", ["2:3 Property 'x' has no initializer and is not definitely assigned in the constructor."]],
    ["early return before assignment", "class A {\n  x: int;\n  constructor(c: boolean) {\n    if (c) return;\n    this.x = 1;\n  }\n}", ["2:3 Property 'x' has no initializer and is not definitely assigned in the constructor."]],
    ["no constructor", "class A {\n  x: int;\n}", ["2:3 Property 'x' has no initializer and is not definitely assigned in the constructor."]],
    ["nullable field may stay unassigned", "class A {\n  x: int | null;\n  constructor() {}\n}", []],
    ["read before assignment in constructor", "class A {\n  x: int;\n  constructor() {\n    const y = this.x;\n    this.x = y;\n  }\n}", ["4:20 Property 'x' is used before being assigned."]],
    ["compound assignment reads", "class A {\n  x: int;\n  constructor() {\n    this.x += 1;\n  }\n}", ["4:10 Property 'x' is used before being assigned."]],
    ["read after assignment is fine", "class A {\n  x: int;\n  y: int;\n  constructor() {\n    this.x = 1;\n    this.y = this.x + 1;\n  }\n}", []],
    ["destructuring assigns fields", "class A {\n  x: int;\n  y: int;\n  constructor() {\n    [this.x, this.y] = [1, 2];\n  }\n}", []],
    ["closure reading a field is not checked (runs later)", "class A {\n  x: int;\n  f: () => int;\n  constructor() {\n    this.f = () => this.x;\n    this.x = 1;\n  }\n}", []],
    ["initialiser reads a later field", "class A {\n  a: int = this.b;\n  b: int = 1;\n}", ["2:17 Property 'b' is used before its initialization."]],
    ["initialiser reads a constructor-assigned field", "class A {\n  a: int;\n  b: int = this.a;\n  constructor() {\n    this.a = 1;\n  }\n}", ["3:17 Property 'a' is used before being assigned."]],
    ["initialiser reads an earlier initialised field", "class A {\n  a: int = 1;\n  b: int = this.a + 1;\n}", []],
    ["closure created before the let is assigned", "let x: int;\nconst f = () => x;\nx = 1;", ["2:17 Variable 'x' is used before being assigned."]],
    ["closure created after assignment", "let x: int;\nx = 1;\nconst f = () => x;", []],
    ["closure assigning is fine", "let x: int;\nconst set = () => {\n  x = 1;\n};", []],
    ["nested closure", "let x: int;\nconst f = () => () => x;\nx = 1;", ["2:23 Variable 'x' is used before being assigned."]],
  ]);
});

describe("checker: super property assignment, namespace values, type re-exports", () => {
  run([
    ["assignment to super.x", "class B {\n  x: int = 0;\n}\nclass D extends B {\n  m(): void {\n    super.x = 1;\n  }\n}", ["6:11 Cannot assign to 'super.x'; assign to 'this.x' instead."]],
    ["++ on super.x", "class B {\n  x: int = 0;\n}\nclass D extends B {\n  m(): void {\n    super.x++;\n  }\n}", ["6:11 Cannot assign to 'super.x'; assign to 'this.x' instead."]],
    ["this in a static initialiser is the class", "class C {\n  static a: int = 1;\n  static b: int = this.a + 1;\n}", []],
  ]);
});

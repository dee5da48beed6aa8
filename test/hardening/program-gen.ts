// A fast-check generator of random, well-typed Raya programs that are also TypeScript with
// the same meaning, for differential testing of the whole compiler against JavaScript.
//
// Every program is a preamble of typed globals, then top-level declarations (functions,
// classes, type aliases), then a sequence of statement blocks, each exercising one feature
// with random expressions, then a top-level `return`. Blocks are the unit of shrinking: a
// failing program shrinks to the few blocks (and smallest expressions) that still fail.
//
// Where Raya deliberately differs from JavaScript (LANGUAGE.md, docs/architecture.md) the
// generator stays on the common ground, and each rule below says why:
// * `int` arithmetic wraps like `x | 0`, so int-typed expressions are built only from
//   non-negative literals 0..9 and bounded loop counters with `+`, `*`, `&`, `|`, `^`, `<<`
//   by at most 3 and `%` by a positive literal: they never overflow int32 and never produce
//   -0 (which int arithmetic folds to 0).
//   Any `-`, `/` or `%` by an expression is done in `number` (an operand is widened first).
// * `%` by an int zero throws RangeError in Raya (NaN in JavaScript): int `%` divisors are
//   positive literals.
// * Reading an array out of range throws in Raya: indexes are literals below the length.
// * `Math.floor/ceil/round/trunc` return int (ToInt32 of NaN is 0): not generated on
//   arbitrary numbers.
// * There is no `undefined`: `Map.get`, `?.` and `T | null` results are read through
//   `?? fallback`; `pop`/`find`/`at` are not used.
// * `Map.keys()` and `Set.values()` return arrays in Raya (iterators in JavaScript): they are
//   read through `Array.from`, which both accept.
// * Printed arrays stay short (Node's multi-line grouping is not reproduced); long ones are
//   printed through `join`.
import fc from "fast-check";

/** A generated expression: its source, and whether Raya types it `int`. */
interface Expr {
  code: string;
  int: boolean;
}

/** Names in scope, by type. `ints` hold non-negative int values of at most 12. */
interface Scope {
  nums: string[];
  ints: string[];
  strs: string[];
  bools: string[];
}

/** A statement block: top-level declarations it needs and the statements it runs. */
interface Block {
  decls: string;
  body: string;
}

/** How deep random expressions nest (at most 3: int values must stay below 2^31, see intExpr). */
const EXPR_DEPTH = Math.min(3, Number(process.env.RAYA_FUZZ_DEPTH ?? 2));

const GLOBALS: Scope = { nums: ["n0", "n1", "n2"], ints: [], strs: ["s0", "s1"], bools: ["b0"] };

function withScope(base: Scope, extra: Partial<Scope>): Scope {
  return {
    nums: [...base.nums, ...(extra.nums ?? [])],
    ints: [...base.ints, ...(extra.ints ?? [])],
    strs: [...base.strs, ...(extra.strs ?? [])],
    bools: [...base.bools, ...(extra.bools ?? [])],
  };
}

// ---------------------------------------------------------------------------------------
// Literals

/** A `number` literal that is never integral (integral literals are `int` in Raya). */
const fractionalLiteral: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: -30, max: 30 }), fc.constantFrom(0.5, 0.25, 0.75, 0.1, 0.3))
  .map(([whole, fraction]) => {
    const value = whole < 0 ? whole - fraction : whole + fraction;
    return value < 0 ? `(${value})` : String(value);
  });

const smallIntLiteral: fc.Arbitrary<string> = fc.integer({ min: 0, max: 9 }).map(String);

/**
 * String literals, with quotes, escapes and non-ASCII. No astral characters here: slicing
 * one leaves a lone surrogate, which the VM prints raw inside structures where Node escapes
 * it (regressions/lone-surrogate-in-structure.raya). Surrogate pairs are still iterated
 * whole by the syntax block's `for...of`.
 */
const stringLiteral: fc.Arbitrary<string> = fc
  .constantFrom("", "a", "bc", "Raya", "x y", "zz", "0", "-", "Hello", "it's", 'say "hi"', "a\nb", "tab\t", "é", "ß€", "\\")
  .map((s) => JSON.stringify(s));

// ---------------------------------------------------------------------------------------
// Expressions, memoised per scope and depth (arbitraries are built eagerly, so without the
// cache a depth-2 tree would be rebuilt for every reference).

const cache = new Map<string, fc.Arbitrary<Expr>>();

function memo(kind: string, scope: Scope, depth: number, build: () => fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  const key = `${kind}|${depth}|${JSON.stringify(scope)}`;
  let arbitrary = cache.get(key);
  if (arbitrary === undefined) {
    arbitrary = build();
    cache.set(key, arbitrary);
  }
  return arbitrary;
}

function pickName(names: string[]): fc.Arbitrary<Expr>[] {
  return names.length === 0 ? [] : [fc.constantFrom(...names).map((code) => ({ code, int: false }))];
}

/**
 * A non-negative int expression: leaves are at most 12, so depth 1 is at most 144 and
 * depth 2 at most 20736; a product of two depth-2 values stays below 2^31.
 */
export function intExpr(scope: Scope, depth: number): fc.Arbitrary<Expr> {
  return memo("int", scope, depth, () => {
    const leaves: fc.Arbitrary<Expr>[] = [
      smallIntLiteral.map((code) => ({ code, int: true })),
      ...pickName(scope.ints).map((a) => a.map((e) => ({ ...e, int: true }))),
    ];
    if (depth === 0) return fc.oneof(...leaves);
    const sub = intExpr(scope, depth - 1);
    return fc.oneof(
      ...leaves,
      fc.tuple(sub, fc.constantFrom("+", "*"), sub).map(([l, op, r]) => ({ code: `(${l.code} ${op} ${r.code})`, int: true })),
      fc.tuple(sub, fc.integer({ min: 1, max: 7 })).map(([l, k]) => ({ code: `(${l.code} % ${k})`, int: true })),
      // Bitwise operators keep non-negative small ints non-negative and small.
      fc.tuple(sub, fc.constantFrom("&", "|", "^"), sub).map(([l, op, r]) => ({ code: `(${l.code} ${op} ${r.code})`, int: true })),
      fc.tuple(sub, fc.integer({ min: 0, max: 3 })).map(([l, k]) => ({ code: `(${l.code} << ${k})`, int: true })),
    );
  });
}

function widen(e: Expr): Expr {
  return e.int ? { code: `(${e.code} + 0.5)`, int: false } : e;
}

/** A `number` expression (it may be int-typed when built only from int parts). */
export function numExpr(scope: Scope, depth: number): fc.Arbitrary<Expr> {
  return memo("num", scope, depth, () => {
    const leaves: fc.Arbitrary<Expr>[] = [
      ...pickName(scope.nums),
      fractionalLiteral.map((code) => ({ code, int: false })),
      // At most 20736 (12*12 squared), so int products of two of these stay below 2^31.
      intExpr(scope, Math.min(depth, 2)),
    ];
    if (depth === 0) return fc.oneof(...leaves);
    const sub = numExpr(scope, depth - 1);
    return fc.oneof(
      { depthSize: "small" },
      ...leaves,
      fc.tuple(sub, fc.constantFrom("+", "-", "*", "/", "%"), sub).map(([l, op, r]) => binaryNumber(l, op, r)),
      sub.map((e) => ({ code: `(-${widen(e).code})`, int: false })),
      fc.tuple(fc.constantFrom("abs", "sqrt"), sub).map(([f, e]) => ({ code: `Math.${f}(${widen(e).code})`, int: false })),
      fc.tuple(fc.constantFrom("max", "min"), sub, sub).map(([f, a, b]) => ({
        code: `Math.${f}(${widen(a).code}, ${widen(b).code})`,
        int: false,
      })),
      fc.tuple(boolExpr(scope, depth - 1), sub, sub).map(([c, a, b]) => ({
        code: `(${c.code} ? ${widen(a).code} : ${widen(b).code})`,
        int: false,
      })),
      strExpr(scope, depth - 1).map((s) => ({ code: `(${s.code}.length * 0.5)`, int: false })),
    );
  });
}

function binaryNumber(left: Expr, op: string, right: Expr): Expr {
  const bothInt = left.int && right.int;
  if (bothInt && (op === "+" || op === "*")) return { code: `(${left.code} ${op} ${right.code})`, int: true };
  // int - int may be negative and int % int may divide by zero: do them in number.
  const l = bothInt ? widen(left) : left;
  return { code: `(${l.code} ${op} ${right.code})`, int: false };
}

/**
 * `a === b` narrows a variable operand to the other's type. An int variable compared with a
 * fractional number narrows to `never`, and the checker then rejects `never` operands of
 * `+` and `++` in the unreachable code (regressions/never-operand-*.raya), although `never`
 * is the bottom type. Until that is fixed, an int side of an equality is widened first.
 */
function numberComparison(a: Expr, op: string, b: Expr): Expr {
  const equality = op === "===" || op === "!==";
  const left = equality && a.int !== b.int ? widen(a) : a;
  const right = equality && a.int !== b.int ? widen(b) : b;
  return { code: `(${left.code} ${op} ${right.code})`, int: false };
}

export function strExpr(scope: Scope, depth: number): fc.Arbitrary<Expr> {
  return memo("str", scope, depth, () => {
    const leaves: fc.Arbitrary<Expr>[] = [...pickName(scope.strs), stringLiteral.map((code) => ({ code, int: false }))];
    if (depth === 0) return fc.oneof(...leaves);
    const sub = strExpr(scope, depth - 1);
    const num = numExpr(scope, depth - 1);
    const small = fc.integer({ min: 0, max: 5 });
    const str = (code: string): Expr => ({ code, int: false });
    return fc.oneof(
      { depthSize: "small" },
      ...leaves,
      fc.tuple(sub, sub).map(([a, b]) => str(`(${a.code} + ${b.code})`)),
      fc.tuple(sub, num).map(([a, n]) => str(`(${a.code} + ${n.code})`)),
      fc.tuple(sub, num, boolExpr(scope, depth - 1)).map(([a, n, b]) => str(`\`${"${"}${a.code}}:${"${"}${n.code}}/${"${"}${b.code}}\``)),
      sub.map((a) => str(`${a.code}.toUpperCase()`)),
      fc.tuple(sub, small, small).map(([a, i, j]) => str(`${a.code}.slice(${i}, ${i + j})`)),
      fc.tuple(sub, fc.integer({ min: 0, max: 2 })).map(([a, k]) => str(`${a.code}.repeat(${k})`)),
      fc.tuple(sub, fc.integer({ min: 0, max: 8 })).map(([a, k]) => str(`${a.code}.padStart(${k}, "*")`)),
      fc.tuple(sub, small).map(([a, i]) => str(`${a.code}.charAt(${i})`)),
      num.map((n) => str(`String(${n.code})`)),
      fc.tuple(num, fc.integer({ min: 0, max: 3 })).map(([n, k]) => str(`${widen(n).code}.toFixed(${k})`)),
      fc.tuple(boolExpr(scope, depth - 1), sub, sub).map(([c, a, b]) => str(`(${c.code} ? ${a.code} : ${b.code})`)),
    );
  });
}

export function boolExpr(scope: Scope, depth: number): fc.Arbitrary<Expr> {
  return memo("bool", scope, depth, () => {
    const bool = (code: string): Expr => ({ code, int: false });
    const num = numExpr(scope, Math.max(0, depth - 1));
    const str = strExpr(scope, Math.max(0, depth - 1));
    const strName = scope.strs.length > 0 ? fc.constantFrom(...scope.strs) : fc.constant("s0");
    const leaves: fc.Arbitrary<Expr>[] = [
      ...pickName(scope.bools),
      fc.constantFrom("true", "false").map(bool),
      fc.tuple(num, fc.constantFrom("<", "<=", ">", ">=", "===", "!=="), num).map(([a, op, b]) => numberComparison(a, op, b)),
      fc.tuple(strName, fc.constantFrom("===", "!=="), str).map(([a, op, b]) => bool(`(${a} ${op} ${b.code})`)),
      fc.tuple(str, fc.constantFrom("includes", "startsWith", "endsWith"), stringLiteral).map(([a, m, lit]) =>
        bool(`${a.code}.${m}(${lit})`),
      ),
    ];
    if (depth === 0) return fc.oneof(...leaves);
    const sub = boolExpr(scope, depth - 1);
    return fc.oneof(
      ...leaves,
      fc.tuple(sub, fc.constantFrom("&&", "||"), sub).map(([a, op, b]) => bool(`(${a.code} ${op} ${b.code})`)),
      sub.map((a) => bool(`!${a.code}`)),
    );
  });
}

const num = (scope: Scope) => numExpr(scope, EXPR_DEPTH);
const str = (scope: Scope) => strExpr(scope, EXPR_DEPTH);
const bool = (scope: Scope) => boolExpr(scope, EXPR_DEPTH);
const loopCount = fc.integer({ min: 0, max: 8 });

// ---------------------------------------------------------------------------------------
// Statement blocks. `@` in a block's text is replaced by the block's index, so names of
// different blocks never clash.

const block = (body: string, decls = ""): Block => ({ decls, body });

/** let/const, assignment, compound assignment, and updates of the globals. */
const variablesBlock = fc
  .tuple(num(GLOBALS), num(GLOBALS), fc.constantFrom("+=", "-=", "*="), num(GLOBALS), fc.constantFrom("n0", "n1", "n2"))
  .map(([a, b, op, c, global]) =>
    block(
      `let v@: number = ${a.code};\nconst w@: number = ${b.code};\nv@ ${op} w@;\n${global} = ${c.code};\n` +
        `console.log("v@", v@, w@, ${global});`,
    ),
  );

const stringsBlock = fc
  .tuple(str(GLOBALS), str(GLOBALS), fc.constantFrom("s0", "s1"))
  .map(([a, b, global]) =>
    block(`const t@: string = ${a.code};\n${global} = ${b.code};\nconsole.log("t@", t@, t@.length, ${global});`),
  );

const ifElseBlock = fc
  .tuple(bool(GLOBALS), bool(GLOBALS), num(GLOBALS), str(GLOBALS), num(GLOBALS))
  .map(([c1, c2, a, s, b]) =>
    block(
      `if (${c1.code}) {\n  console.log("if@ a", ${a.code});\n} else if (${c2.code}) {\n  console.log("if@ b", ${s.code});\n` +
        `} else {\n  console.log("if@ c", ${b.code});\n}\nb0 = ${c2.code};`,
    ),
  );

const loopScope = withScope(GLOBALS, { ints: ["i"], nums: ["acc@"] });
const forLoopBlock = fc
  .tuple(loopCount, num(loopScope), bool(loopScope), fc.constantFrom("continue", "break"), fc.boolean())
  .map(([count, step, cond, jump, useWhile]) => {
    const loopHead = useWhile ? `let i = 0;\nwhile (i < ${count}) {\n  i++;` : `for (let i = 0; i < ${count}; i++) {`;
    return block(
      `let acc@: number = 0.5;\n${loopHead}\n  if (${cond.code}) ${jump};\n  acc@ = acc@ + ${step.code};\n}\nconsole.log("loop@", acc@);`,
    );
  });

const elementScope = withScope(GLOBALS, { ints: ["i"] });
const callbackScope = withScope(GLOBALS, { nums: ["x"] });
const arraysBlock = fc
  .tuple(fc.integer({ min: 1, max: 9 }), num(elementScope), num(callbackScope), bool(callbackScope), fc.nat(), fc.nat())
  .map(([count, element, mapped, keep, readAt, writeAt]) =>
    block(
      `const a@: number[] = [];\nfor (let i = 0; i < ${count}; i++) a@.push(${element.code});\n` +
        `a@[${writeAt % count}] = a@[${readAt % count}] + 1;\n` +
        `const m@: number[] = a@.map((x) => ${mapped.code});\n` +
        `const f@: number[] = a@.filter((x) => ${keep.code});\n` +
        `const r@: number = a@.reduce((p, x) => p + x, 0);\n` +
        `console.log("arr@", a@.length, m@.join(","), f@.length, r@, a@.slice(0, 3), a@.indexOf(a@[0]), a@.includes(0.5));`,
    ),
  );

const classScope = withScope(GLOBALS, { nums: ["this.f0", "k"], strs: ["this.f1"] });
const subclassScope = withScope(GLOBALS, { nums: ["this.f0", "this.g", "k"], strs: ["this.f1"] });
const classesBlock = fc
  .tuple(num(classScope), num(subclassScope), fractionalLiteral, num(GLOBALS), num(GLOBALS), str(GLOBALS), fc.boolean())
  .map(([baseBody, derivedBody, init, arg1, arg2, label, printInstance]) =>
    block(
      `const o@ = new D@(${arg1.code});\nconst bs@: B@[] = [new B@(${arg2.code}, ${label.code}), o@];\n` +
        `for (const b of bs@) console.log("cls@", b.m(2.5), b.describe(), b instanceof D@);\n` +
        (printInstance ? `console.log(o@);\n` : "") +
        `o@.f0 = o@.m(0.5);\nconsole.log(o@.describe());`,
      `class B@ {\n  f0: number;\n  f1: string;\n  constructor(a: number, b: string) {\n    this.f0 = a;\n    this.f1 = b;\n  }\n` +
        `  m(k: number): number {\n    return ${baseBody.code};\n  }\n` +
        `  describe(): string {\n    return this.f1 + "=" + this.m(1.5);\n  }\n}\n` +
        `class D@ extends B@ {\n  g: number = ${init};\n  constructor(a: number) {\n    super(a, "d@");\n  }\n` +
        `  m(k: number): number {\n    return super.m(k) + ${derivedBody.code};\n  }\n}`,
    ),
  );

const closureScope = withScope(GLOBALS, { ints: ["i"], nums: ["base"] });
const closuresBlock = fc
  .tuple(loopCount, num(closureScope), fractionalLiteral, fc.integer({ min: 1, max: 4 }))
  .map(([count, body, step, calls]) =>
    block(
      `const fs@: (() => number)[] = [];\nfor (let i = 0; i < ${count}; i++) {\n  const base: number = i * 2.5;\n` +
        `  fs@.push(() => ${body.code});\n}\nlet sum@: number = 0;\nfor (const f of fs@) sum@ += f();\n` +
        `const counter@ = makeCounter@(${step});\nfor (let c = 0; c < ${calls}; c++) counter@();\n` +
        `console.log("clo@", sum@, counter@());`,
      `function makeCounter@(step: number): () => number {\n  let count: number = 0;\n` +
        `  return () => {\n    count += step;\n    return count;\n  };\n}`,
    ),
  );

const throwScope = withScope(GLOBALS, { nums: ["x"] });
const tryCatchBlock = fc
  .tuple(bool(throwScope), num(throwScope), fc.array(fractionalLiteral, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([shouldThrow, value, inputs, rethrowFromFinally]) =>
    block(
      `let log@: string = "";\nfor (const v of [${inputs.join(", ")}]) {\n  try {\n    log@ += thrower@(v) + ";";\n` +
        `  } catch (e) {\n    if (e instanceof RangeError) log@ += "R" + e.message + ";";\n` +
        `    else if (e instanceof Error) log@ += e.name + ":" + e.message + ";";\n  } finally {\n    log@ += "f";\n  }\n}\n` +
        `console.log("try@", log@, guarded@(${inputs[0]}));`,
      `function thrower@(x: number): number {\n  if (${shouldThrow.code}) {\n` +
        `    if (x > 0) throw new RangeError("big " + x);\n    throw new Error("bad " + x);\n  }\n  return ${value.code};\n}\n` +
        `function guarded@(x: number): string {\n  try {\n    return "ok" + thrower@(x);\n  } catch (e) {\n    return "caught";\n` +
        `  } finally {\n    ${rethrowFromFinally ? 'console.log("finally@");' : "n2 = n2 + 1.5;"}\n  }\n}`,
    ),
  );

const switchBlock = fc
  .tuple(fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), str(GLOBALS), loopCount)
  .map(([breaks, text, count]) => {
    const brk = (i: number) => (breaks[i] ? "\n      break;" : "");
    return block(
      `let sw@: string = "";\nfor (let i = 0; i < ${count}; i++) sw@ += pick@(i % 5) + ",";\nconsole.log("sw@", sw@);`,
      `function pick@(k: int): string {\n  let r: string = "";\n  switch (k) {\n    case 0:\n      r += "a";${brk(0)}\n` +
        `    case 1:\n      r += "b";${brk(1)}\n    case 3:\n      return r + ${text.code};\n` +
        `    default:\n      r += "d";${brk(2)}\n  }\n  return r;\n}`,
    );
  });

const recursionScope = withScope(GLOBALS, { ints: ["n"] });
const recursionBlock = fc
  .tuple(num(recursionScope), fractionalLiteral, fc.integer({ min: 0, max: 12 }))
  .map(([step, base, depth]) =>
    block(
      `console.log("rec@", rec@(${depth}), fib@(${depth}));`,
      `function rec@(n: int): number {\n  if (n <= 0) return ${base};\n  return rec@(n - 1) * 0.5 + ${step.code};\n}\n` +
        `function fib@(n: int): int {\n  return n < 2 ? n : fib@(n - 1) + fib@(n - 2);\n}`,
    ),
  );

const collectionScope = withScope(GLOBALS, { ints: ["i"] });
const collectionsBlock = fc
  .tuple(loopCount, fc.integer({ min: 1, max: 4 }), num(collectionScope), stringLiteral)
  .map(([count, buckets, value, probe]) =>
    block(
      `const m@: Map<string, number> = new Map();\nconst set@: Set<int> = new Set();\n` +
        `for (let i = 0; i < ${count}; i++) {\n  const key: string = "k" + (i % ${buckets});\n` +
        `  m@.set(key, (m@.get(key) ?? 0) + ${value.code});\n  set@.add(i % ${buckets + 1});\n}\n` +
        `console.log("map@", m@.size, m@.get("k0") ?? -1, m@.has(${probe}), set@.size, set@.has(1));\n` +
        `for (const [key, v] of m@) console.log(key, v);\nm@.delete("k0");\nconsole.log(Array.from(m@.keys()).join("|"), Array.from(set@.values()).join("|"));`,
    ),
  );

const objectScope = withScope(GLOBALS, { nums: ["p@.x"], strs: ["p@.name"] });
const objectsBlock = fc
  .tuple(num(GLOBALS), str(GLOBALS), num(objectScope), fc.boolean())
  .map(([x, name, update, useJson]) =>
    block(
      `const p@: P@ = { x: ${x.code}, name: ${name.code}, tags: ["t", "u"] };\np@.x = ${update.code};\n` +
        `console.log("obj@", p@.x, p@.name, p@.tags.length, ${useJson ? "JSON.stringify(p@)" : "p@"});`,
      `type P@ = { x: number; name: string; tags: string[] };`,
    ),
  );

const functionScope = withScope(GLOBALS, { nums: ["a", "b"] });
const functionsBlock = fc
  .tuple(num(functionScope), num(GLOBALS), num(GLOBALS), fractionalLiteral)
  .map(([body, arg1, arg2, fallback]) =>
    block(
      `console.log("fn@", fn@(${arg1.code}, ${arg2.code}), fn@(${arg2.code}), apply@((q) => q * 2.5, ${arg1.code}));`,
      `function fn@(a: number, b: number = ${fallback}): number {\n  return ${body.code};\n}\n` +
        `function apply@(f: (q: number) => number, v: number): number {\n  return f(f(v));\n}`,
    ),
  );

const syntaxScope = withScope(GLOBALS, { nums: ["first", "second"] });
/** Destructuring, spread, sort with a comparator, for...of over a string, do...while, labels, `??` on `T | null`. */
const syntaxBlock = fc
  .tuple(fc.array(fractionalLiteral, { minLength: 2, maxLength: 6 }), num(syntaxScope), str(syntaxScope), fc.integer({ min: 0, max: 4 }), fc.boolean())
  .map(([items, combined, text, limit, descending]) =>
    block(
      `const xs@: number[] = [${items.join(", ")}];\nconst [first, second, ...rest@] = xs@;\n` +
        `const ys@: number[] = [...rest@, first, ...xs@.slice(0, 1)];\n` +
        `ys@.sort((p, q) => ${descending ? "q - p" : "p - q"});\n` +
        `const { total, label }: { total: number; label: string } = { total: ${combined.code}, label: "L" + rest@.length };\n` +
        `let chars@: string = "";\nfor (const ch of ${text.code} + "😀") chars@ = ch + chars@;\n` +
        `let d@: int = 0;\ndo {\n  d@ += 2;\n} while (d@ < ${limit});\n` +
        `let found@: number | null = null;\nouter: for (const p of xs@) {\n  for (const q of ys@) {\n` +
        `    if (p + q > ${items[0]}) {\n      found@ = p * q;\n      break outer;\n    }\n  }\n}\n` +
        `console.log("syn@", ys@.join(" "), total, label, chars@, d@, found@ ?? -1.5, ys@.length > 0 ? ys@[0] : 0);`,
    ),
  );

const shapeScope = withScope(GLOBALS, { nums: ["this.size", "Shape@.scale"] });
/** Abstract classes, interfaces, getters/setters, static members, private fields. */
const shapesBlock = fc
  .tuple(num(shapeScope), num(shapeScope), fc.array(fractionalLiteral, { minLength: 1, maxLength: 4 }), fractionalLiteral)
  .map(([area, perimeter, sizes, scale]) =>
    block(
      `const shapes@: Shape@[] = [${sizes.map((v, i) => (i % 2 === 0 ? `new Square@(${v})` : `new Circle@(${v})`)).join(", ")}];\n` +
        `let text@: string = "";\nfor (const s of shapes@) {\n  s.grow(0.5);\n  text@ += s.name + "/" + s.area() + "/" + s.perimeter + " ";\n}\n` +
        `const named@: Named@ = shapes@[0];\nconsole.log("shape@", text@, Shape@.count, named@.name);`,
      `interface Named@ {\n  name: string;\n}\n` +
        `abstract class Shape@ implements Named@ {\n  static count: int = 0;\n  static scale: number = ${scale};\n` +
        `  private grown: number = 0;\n  constructor(protected size: number, readonly name: string) {\n    Shape@.count++;\n  }\n` +
        `  abstract area(): number;\n  get perimeter(): number {\n    return ${perimeter.code} + this.grown;\n  }\n` +
        `  set extra(v: number) {\n    this.grown = this.grown + v;\n  }\n` +
        `  grow(by: number): void {\n    this.size = this.size + by;\n    this.extra = by;\n  }\n}\n` +
        `class Square@ extends Shape@ {\n  constructor(side: number) {\n    super(side, "square");\n  }\n` +
        `  area(): number {\n    return ${area.code};\n  }\n}\n` +
        `class Circle@ extends Shape@ {\n  constructor(r: number) {\n    super(r, "circle");\n  }\n` +
        `  area(): number {\n    return this.size * this.size * 3.5;\n  }\n}`,
    ),
  );

const failScope = withScope(GLOBALS, {});
/** Sometimes ends the program with an uncaught error: name and message must match. */
const uncaughtBlock = fc
  .tuple(bool(failScope), num(failScope), fc.constantFrom("Error", "RangeError", "TypeError"))
  .map(([condition, value, errorClass]) =>
    block(`if (${condition.code}) {\n  throw new ${errorClass}("stop " + ${value.code});\n}\nconsole.log("alive@");`),
  );

const scaledNumber = fc
  .tuple(fc.constantFrom("n0", "n1", "n2"), fc.constantFrom("1e21", "1e-7", "123456789.123", "0.001", "3", "1e300"))
  .map(([name, factor]) => `(${name} * ${factor})`);
const separator = fc.constantFrom("", ",", " ", "a", "zz").map((s) => JSON.stringify(s));
/** Built-in library surface with random arguments: number formatting, string, array and JSON methods. */
const builtinsBlock = fc
  .tuple(
    fc.tuple(scaledNumber, fc.integer({ min: 2, max: 36 }), fc.integer({ min: 0, max: 5 }), scaledNumber),
    fc.tuple(str(GLOBALS), separator, stringLiteral, stringLiteral, fc.integer({ min: -4, max: 6 }), fc.integer({ min: -4, max: 6 })),
    fc.tuple(fc.array(fractionalLiteral, { minLength: 1, maxLength: 5 }), fc.integer({ min: -3, max: 5 }), fc.integer({ min: 0, max: 3 })),
    fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2 })),
  )
  .map(([[big, radix, digits, other], [text, sep, search, replacement, from, to], [items, start, count], [pretty, indent]]) =>
    block(
      `const big@: number = ${big};\nconsole.log("num@", big@, String(${other}), (${other}).toFixed(${digits}), big@.toString(${radix}), parseFloat(String(big@)));\n` +
        `const text@: string = ${text.code};\n` +
        `console.log("str@", text@.split(${sep}).length, text@.split("").reverse().join(""), text@.replace(${search}, ${replacement}), ` +
        `text@.replaceAll(${search}, ${replacement}), text@.indexOf(${search}), text@.lastIndexOf(${search}));\n` +
        `console.log("str@", text@.substring(${Math.max(0, from)}, ${Math.max(0, to)}), text@.slice(${from}, ${to}), text@.slice(${from}), ` +
        `"  " + text@.trim() + "  ", text@.padEnd(${Math.max(0, to)}, "."), text@.toLowerCase(), text@ < ${search});\n` +
        `const xs@: number[] = [${items.join(", ")}];\nconst ys@: number[] = xs@.concat([2.5, 10.5]);\n` +
        `const cut@: number[] = ys@.splice(${start}, ${count});\nys@.sort();\n` +
        `console.log("arr@", ys@.join(), cut@.join("/"), xs@.slice(-2).reverse().join(" "), xs@.some((x) => x > 1), xs@.every((x) => x > 1), ` +
        `xs@.findIndex((x) => x < 0), xs@.flatMap((x) => [x, x * 2]).length, xs@.lastIndexOf(xs@[0]));\n` +
        `console.log("json@", JSON.stringify({ a: xs@.slice(0, 2), b: text@, c: { d: ${big} } }${pretty ? `, null, ${indent}` : ""}), ` +
        `[xs@.slice(0, 2), { k: text@, m: [1.5] }], new Map<string, number>([["k", xs@[0]]]), new Set<string>([text@, "a"]));`,
    ),
  );

const flowScope = withScope(GLOBALS, { ints: ["i", "j"] });
const callbackIntScope = withScope(GLOBALS, { ints: ["i"] });
/** `finally` running on break/continue/return, labelled continue, errors thrown from callbacks. */
const controlFlowBlock = fc
  .tuple(loopCount, loopCount, bool(flowScope), bool(flowScope), num(callbackIntScope), fc.constantFrom("break", "continue"))
  .map(([outerCount, innerCount, skip, stop, value, jump]) =>
    block(
      `let trail@: string = "";\nouter: for (let i = 0; i < ${outerCount}; i++) {\n  for (let j = 0; j < ${innerCount}; j++) {\n` +
        `    try {\n      if (${skip.code}) continue outer;\n      if (${stop.code}) ${jump};\n      trail@ += "b";\n` +
        `    } finally {\n      trail@ += "f";\n    }\n  }\n  trail@ += "|";\n}\n` +
        `console.log("flow@", trail@, early@(${outerCount}), caughtFromCallback@(${innerCount}));`,
      `function early@(n: int): number {\n  let acc: number = 0.5;\n  for (let i = 0; i < n; i++) {\n    try {\n` +
        `      if (i === 2) return acc;\n      acc = acc + 1.5;\n    } finally {\n      acc = acc * 2.5;\n    }\n  }\n  return acc;\n}\n` +
        `function caughtFromCallback@(n: int): string {\n  const xs: int[] = [];\n  for (let j = 0; j < n; j++) xs.push(j);\n  try {\n` +
        `    return xs.map((i) => {\n      if (i === 3) throw new RangeError("at " + i);\n      return ${value.code};\n    }).join(";");\n` +
        `  } catch (e) {\n    return e instanceof Error ? e.name + "!" + e.message : "?";\n  }\n}`,
    ),
  );

const genericScope = withScope(GLOBALS, { nums: ["v"] });
/**
 * Generic functions and classes, nullable values with `?.`, `??` and narrowing by `!= null`.
 * `?.` results are read through `??`: a short-circuited `?.` is `undefined` in JavaScript.
 */
const genericsBlock = fc
  .tuple(num(genericScope), str(GLOBALS), fc.array(fractionalLiteral, { minLength: 0, maxLength: 4 }), fc.boolean())
  .map(([mapped, text, items, present]) =>
    block(
      `const box@ = new Box@<number>(${items[0] ?? "1.5"});\nconst strBox@: Box@<string> = box@.map((v) => ${text.code} + v);\n` +
        `const maybe@: Box@<number> | null = boxOrNull@(box@, ${present});\n` +
        `const firstOr@: number = firstOf@<number>([${items.join(", ")}]) ?? -2.5;\n` +
        `console.log("gen@", box@.map((v) => ${mapped.code}).get(), strBox@.get(), maybe@?.get() ?? 0.5, maybe@?.map((v) => v * 2.5).get() ?? -0.5, firstOr@);\n` +
        `if (maybe@ != null) console.log("gen@", maybe@.get());`,
      `class Box@<T> {\n  constructor(private value: T) {}\n  get(): T {\n    return this.value;\n  }\n` +
        `  map<U>(f: (v: T) => U): Box@<U> {\n    return new Box@<U>(f(this.value));\n  }\n}\n` +
        `function boxOrNull@(box: Box@<number>, present: boolean): Box@<number> | null {\n  return present ? box : null;\n}\n` +
        `function firstOf@<T>(xs: T[]): T | null {\n  return xs.length > 0 ? xs[0] : null;\n}`,
    ),
  );

/** Every kind of block, so each test or suite can choose which to generate. */
export const BLOCK_KINDS = {
  variables: variablesBlock,
  strings: stringsBlock,
  ifElse: ifElseBlock,
  loops: forLoopBlock,
  arrays: arraysBlock,
  classes: classesBlock,
  closures: closuresBlock,
  tryCatch: tryCatchBlock,
  switch: switchBlock,
  recursion: recursionBlock,
  collections: collectionsBlock,
  objects: objectsBlock,
  functions: functionsBlock,
  syntax: syntaxBlock,
  shapes: shapesBlock,
  uncaught: uncaughtBlock,
  builtins: builtinsBlock,
  controlFlow: controlFlowBlock,
  generics: genericsBlock,
} satisfies Record<string, fc.Arbitrary<Block>>;

export type BlockKind = keyof typeof BLOCK_KINDS;

export interface ProgramOptions {
  /** Kinds of block to use; all by default. */
  kinds?: BlockKind[];
  maxBlocks?: number;
}

/** Random well-typed Raya programs whose meaning as TypeScript is the same. */
export function programArbitrary(options: ProgramOptions = {}): fc.Arbitrary<string> {
  const kinds = options.kinds ?? (Object.keys(BLOCK_KINDS) as BlockKind[]);
  const anyBlock = fc.oneof(...kinds.map((k) => BLOCK_KINDS[k]));
  const preamble = fc.tuple(fractionalLiteral, fractionalLiteral, fractionalLiteral, stringLiteral, stringLiteral, fc.boolean());
  const result = fc.oneof(num(GLOBALS), str(GLOBALS), bool(GLOBALS));
  return fc
    .tuple(preamble, fc.array(anyBlock, { minLength: 1, maxLength: options.maxBlocks ?? 5 }), result)
    .map(([[n0, n1, n2, s0, s1, b0], blocks, value]) => {
      const lines = [
        `let n0: number = ${n0};`,
        `let n1: number = ${n1};`,
        `let n2: number = ${n2};`,
        `let s0: string = ${s0};`,
        `let s1: string = ${s1};`,
        `let b0: boolean = ${b0};`,
      ];
      const named = blocks.map((b, index) => ({
        decls: b.decls.replace(/@/g, String(index)),
        body: b.body.replace(/@/g, String(index)),
      }));
      for (const b of named) if (b.decls !== "") lines.push(b.decls);
      for (const b of named) lines.push(`{\n${b.body}\n}`);
      lines.push(`return ${value.code};`);
      return lines.join("\n") + "\n";
    });
}

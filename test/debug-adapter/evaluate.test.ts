// The debugger's expression evaluator (runtime/debug/evaluate.ts), on its own.
import { strict as assert } from "node:assert";
import { evaluateExpression, EvaluationError } from "../../runtime/debug/evaluate";
import { Box, Layout, RObject } from "../../runtime/vm/value";

describe("debugger expression evaluator", () => {
  const point = new RObject(new Layout("Point", ["x", "y"]), [3, new Box(4)]);
  const scope: Record<string, unknown> = { n: 7, s: "abc", items: [10, 20, 30], p: point, m: new Map<unknown, unknown>([["k", 5], [1, "one"]]), nothing: null };
  const lookup = (name: string) => (name in scope ? { found: true, value: scope[name] } : { found: false, value: null });
  const evaluate = (text: string): unknown => evaluateExpression(text, lookup);

  it("computes with literals, variables and operators", () => {
    assert.equal(evaluate("n * 2 + 1"), 15);
    assert.equal(evaluate("(n - 1) / 3"), 2);
    assert.equal(evaluate("n % 4 == 3 && s == 'abc'"), true);
    assert.equal(evaluate("-n < 0 ? 'neg' : 'pos'"), "neg");
    assert.equal(evaluate('s + "!" + n'), "abc!7");
    assert.equal(evaluate("nothing ?? 'default'"), "default");
    assert.equal(evaluate("!nothing"), true);
    assert.equal(evaluate("0x10 + 1.5e1"), 31);
  });

  it("reads fields (unboxed), elements, lengths and Map entries", () => {
    assert.equal(evaluate("p.x + p.y"), 7);
    assert.equal(evaluate("p['y']"), 4);
    assert.equal(evaluate("items[2] - items[0]"), 20);
    assert.equal(evaluate("items[9]"), null);
    assert.equal(evaluate("items.length + s.length"), 6);
    assert.equal(evaluate("m.size"), 2);
    assert.equal(evaluate("m['k'] + m[1].length"), 8);
    assert.equal(evaluate("nothing?.x"), null);
  });

  it("refuses calls, unknown names and bad syntax with clear messages", () => {
    assert.throws(() => evaluate("items.push(4)"), /calls are not evaluated/);
    assert.deepEqual(scope.items, [10, 20, 30]);
    assert.throws(() => evaluate("missing + 1"), /'missing' is not defined here/);
    assert.throws(() => evaluate("p.z"), /no readable property 'z'/);
    assert.throws(() => evaluate("n +"), /unexpected end/);
    assert.throws(() => evaluate("'open"), /unterminated string/);
    assert.throws(() => evaluate("n = 3"), EvaluationError);
    assert.throws(() => evaluate("s < 3"), /two numbers or two strings/);
  });
});

// Property: host JavaScript values survive marshalling. fromHost into a context and toHost
// back gives an equal value, and so does a copy between two contexts on the way.
// (runtime/vm/marshal.ts is internal: this test reaches it directly, as its unit tests do.)
import * as assert from "node:assert";
import fc from "fast-check";
import { compile } from "../../runtime/compiler/compile";
import { VmContext } from "../../runtime/vm/context";
import { copyBetween, fromHost, toHost } from "../../runtime/vm/marshal";
import { Scheduler } from "../../runtime/vm/scheduler";
import { recordCases } from "./report";
import { fuzzParameters } from "./fuzz-config";

const DEFAULT_RUNS = 300;

function emptyContext(): VmContext {
  return new VmContext(compile("", { filename: "/generated/empty.raya" }), new Scheduler());
}

/** Object keys: any string, including "" and keys containing U+0000, and prototype names. */
const objectKey: fc.Arbitrary<string> = fc.oneof(fc.string(), fc.constantFrom("", "a\u0000b", "__proto__", "constructor"));

/** Values a host may hand to a context: JSON-like data plus Map and Set, any keys (even "__proto__"). */
const hostValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(), // NaN, ±Infinity and -0 included
    fc.integer(),
    fc.string(),
    fc.constantFrom("__proto__", "constructor", "toString"),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.array(fc.tuple(objectKey, tie("value")), { maxLength: 4 }).map(plainObject),
    fc.array(fc.tuple(fc.string(), tie("value")), { maxLength: 4 }).map((entries) => new Map(entries)),
    fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxLength: 4 }).map((items) => new Set(items)),
  ),
})).value;

/** An object with these own data properties, "__proto__" included as an ordinary key. */
function plainObject(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

/**
 * A prototype-free description of a value, so the comparison sees keys, order and contents but
 * not whether an object has Object.prototype (toHost gives null-prototype objects).
 */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return { array: value.map(shapeOf) };
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [shapeOf(k), shapeOf(v)]) };
  if (value instanceof Set) return { set: [...value].map(shapeOf) };
  if (value !== null && typeof value === "object") {
    return { object: Object.keys(value).map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]) };
  }
  return value;
}

describe("hardening: marshalling round trips", () => {
  const first = emptyContext();
  const second = emptyContext();

  it("toHost(fromHost(v)) equals v", () => {
    fc.assert(
      fc.property(hostValue, (value) => {
        assert.deepStrictEqual(shapeOf(toHost(fromHost(value, first), first)), shapeOf(value));
      }),
      fuzzParameters(DEFAULT_RUNS),
    );
    recordCases("hardening: marshalling round trips", fuzzParameters(DEFAULT_RUNS).numRuns ?? DEFAULT_RUNS);
  });

  it("a copy between contexts is equal too", () => {
    fc.assert(
      fc.property(hostValue, (value) => {
        const inFirst = fromHost(value, first);
        const inSecond = copyBetween(inFirst, first, second);
        assert.deepStrictEqual(shapeOf(toHost(inSecond, second)), shapeOf(value));
      }),
      fuzzParameters(DEFAULT_RUNS),
    );
    recordCases("hardening: marshalling round trips", fuzzParameters(DEFAULT_RUNS).numRuns ?? DEFAULT_RUNS);
  });

  // Layouts were once cached by fields.join("\u0000"), which made these keys collide.
  it("keeps an empty-string key after an empty object was marshalled (layout key collision)", () => {
    const context = emptyContext();
    fromHost({}, context);
    assert.deepStrictEqual(shapeOf(toHost(fromHost({ "": 1 }, context), context)), shapeOf({ "": 1 }));
  });

  it("keeps a key containing U+0000 apart from two keys (layout key collision)", () => {
    const context = emptyContext();
    fromHost({ a: 1, b: 2 }, context);
    assert.deepStrictEqual(shapeOf(toHost(fromHost({ "a\u0000b": 3 }, context), context)), shapeOf({ "a\u0000b": 3 }));
  });

  it("the comparison tells prototypes apart from keys", () => {
    assert.notDeepStrictEqual(shapeOf(plainObject([["__proto__", 1]])), shapeOf({}));
    assert.deepStrictEqual(shapeOf(Object.assign(Object.create(null), { a: 1 })), shapeOf({ a: 1 }));
    assert.notDeepStrictEqual(shapeOf(-0), shapeOf(0));
  });
});

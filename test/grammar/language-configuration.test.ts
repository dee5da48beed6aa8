// Checks extension/language-configuration.json the way VS Code reads it: every pattern is
// compiled as a JavaScript RegExp, and the editing behaviours it drives (indentation,
// Enter inside doc comments, folding regions, word selection) are exercised on real lines.
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, loadGrammar, tokenize } from "./tokenize";

interface OnEnterRule {
  beforeText: string;
  afterText?: string;
  previousLineText?: string;
  action: { indent: "none" | "indent" | "outdent" | "indentOutdent"; appendText?: string; removeText?: number };
}
interface AutoClosingPair {
  open: string;
  close: string;
  notIn?: string[];
}
interface LanguageConfiguration {
  comments: { lineComment: string; blockComment: [string, string] };
  brackets: [string, string][];
  colorizedBracketPairs: [string, string][];
  autoClosingPairs: AutoClosingPair[];
  autoCloseBefore: string;
  surroundingPairs: [string, string][];
  folding: { markers: { start: string; end: string } };
  wordPattern: string;
  indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string; unIndentedLinePattern: string };
  onEnterRules: OnEnterRule[];
}

const CONFIG_PATH = path.join(REPO_ROOT, "extension", "language-configuration.json");
const config = JSON.parse(fs.readFileSync(CONFIG_PATH, "utf8")) as LanguageConfiguration;

/** The first rule VS Code would apply when Enter is pressed between `before` and `after`. */
function onEnter(before: string, after = "", previousLine = ""): OnEnterRule["action"] | null {
  const rule = config.onEnterRules.find(
    (r) =>
      new RegExp(r.beforeText).test(before) &&
      (r.afterText === undefined || new RegExp(r.afterText).test(after)) &&
      (r.previousLineText === undefined || new RegExp(r.previousLineText).test(previousLine)),
  );
  return rule?.action ?? null;
}

function words(line: string): string[] {
  return line.match(new RegExp(config.wordPattern, "g")) ?? [];
}

describe("language configuration: extension/language-configuration.json", () => {
  it("compiles every pattern as a JavaScript regular expression", () => {
    const patterns = [
      config.wordPattern,
      config.folding.markers.start,
      config.folding.markers.end,
      ...Object.values(config.indentationRules),
      ...config.onEnterRules.flatMap((r) => [r.beforeText, r.afterText, r.previousLineText]),
    ].filter((p): p is string => p !== undefined);
    for (const pattern of patterns) assert.doesNotThrow(() => new RegExp(pattern), pattern);
  });

  it("declares the comment tokens the grammar colours as comments", async () => {
    const grammar = await loadGrammar();
    const [open, close] = config.comments.blockComment;
    const { lines } = tokenize(grammar, `${config.comments.lineComment} note\n${open} note ${close}`);
    assert.ok(lines[0][0].scopes.includes("comment.line.double-slash.raya"), lines[0][0].scopes.join(" "));
    assert.ok(lines[1][0].scopes.includes("comment.block.raya"), lines[1][0].scopes.join(" "));
    assert.ok(lines[1].at(-1)!.scopes.includes("comment.block.raya"));
  });

  it("auto-closes and surrounds with every bracket pair", () => {
    const pairKey = ([open, close]: [string, string]): string => open + close;
    const closing = config.autoClosingPairs.map((p) => p.open + p.close);
    const surrounding = config.surroundingPairs.map(pairKey);
    for (const bracket of config.brackets) {
      assert.ok(closing.includes(pairKey(bracket)), `auto-closing ${pairKey(bracket)}`);
      assert.ok(surrounding.includes(pairKey(bracket)), `surrounding ${pairKey(bracket)}`);
    }
    assert.deepStrictEqual(config.colorizedBracketPairs, config.brackets);
  });

  it("auto-closes quotes and backticks only outside strings and comments", () => {
    for (const quote of ['"', "'", "`"]) {
      const pair = config.autoClosingPairs.find((p) => p.open === quote);
      assert.ok(pair, `no auto-closing pair for ${quote}`);
      assert.strictEqual(pair.close, quote);
      assert.deepStrictEqual([...(pair.notIn ?? [])].sort(), ["comment", "string"]);
      assert.ok(config.surroundingPairs.some(([o, c]) => o === quote && c === quote), `surrounds with ${quote}`);
    }
    assert.ok(config.autoCloseBefore.includes("`"), "auto-closes before a backtick");
  });

  it("completes a doc comment opener with its closer", () => {
    const doc = config.autoClosingPairs.find((p) => p.open === "/**");
    assert.deepStrictEqual(doc, { open: "/**", close: " */", notIn: ["string"] });
  });

  it("folds // #region ... // #endregion blocks", () => {
    const start = new RegExp(config.folding.markers.start);
    const end = new RegExp(config.folding.markers.end);
    for (const line of ["// #region helpers", "  //#region", "// region"]) assert.ok(start.test(line), line);
    for (const line of ["// #endregion", "    // #endregion helpers", "//endregion"]) assert.ok(end.test(line), line);
    for (const line of ["// regional office", "const region = 1; // #region", "/* #region */"]) {
      assert.ok(!start.test(line), line);
    }
    assert.ok(!start.test("// #endregion"), "an end marker is not also a start marker");
  });

  it("indents after an opening brace, parenthesis or bracket", () => {
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    for (const line of ["function f(): int {", "if (x) { // note", "foo(", "const xs = [", "class A extends B {", "  return {"]) {
      assert.ok(increase.test(line), line);
    }
    for (const line of ["}", "const o = { a: 1 };", "f(x);", "// {", " * (", 'const s = "{";', "xs[0] = 1;"]) {
      assert.ok(!increase.test(line), line);
    }
  });

  it("outdents a line that starts with a closer", () => {
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    for (const line of ["}", "  }", "]);", "  ) {", "} else {"]) assert.ok(decrease.test(line), line);
    for (const line of ["x = 1;", "  return {", "// }"]) assert.ok(!decrease.test(line), line);
  });

  it("keeps doc-comment body lines out of indentation decisions", () => {
    const unindented = new RegExp(config.indentationRules.unIndentedLinePattern);
    for (const line of [" * text", "   * @param a", " */", "   */"]) assert.ok(unindented.test(line), line);
    for (const line of ["x * y", "/**", "const a = 2 * 3;"]) assert.ok(!unindented.test(line), line);
  });

  it("continues and closes doc comments on Enter", () => {
    assert.deepStrictEqual(onEnter("/**", " */"), { indent: "indentOutdent", appendText: " * " });
    assert.deepStrictEqual(onEnter("  /** Sums", ""), { indent: "none", appendText: " * " });
    assert.deepStrictEqual(onEnter(" * first line"), { indent: "none", appendText: "* " });
    assert.deepStrictEqual(onEnter("   * @param a"), { indent: "none", appendText: "* " });
    assert.deepStrictEqual(onEnter(" */"), { indent: "none", removeText: 1 });
    assert.strictEqual(onEnter("/* plain */"), null);
    assert.strictEqual(onEnter("const x = a * b;"), null);
    assert.strictEqual(onEnter("/**/"), null);
  });

  it("indents the body of a switch case on Enter", () => {
    assert.deepStrictEqual(onEnter('  case "a":'), { indent: "indent" });
    assert.deepStrictEqual(onEnter("  default:"), { indent: "indent" });
    assert.strictEqual(onEnter("  case 1: return 2;"), null);
  });

  it("selects identifiers with $ and _ and numbers as single words", () => {
    assert.deepStrictEqual(words("const $el = foo_bar + 3.14;"), ["const", "$el", "foo_bar", "3.14"]);
    assert.deepStrictEqual(words("obj?.field ?? `x${y}`"), ["obj", "field", "x$", "y"]);
    assert.deepStrictEqual(words("a.b(c)"), ["a", "b", "c"]);
  });
});

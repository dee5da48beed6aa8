// Structural checks of syntaxes/raya.tmLanguage.json that the scope fixtures
// (test/grammar/*.test.raya, run by vscode-tmgrammar-test) cannot make: vscode-textmate
// silently ignores a broken include or a regex Oniguruma rejects, and a begin/end rule
// that never ends colours the rest of a file without any error.
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as oniguruma from "vscode-oniguruma";
import { GRAMMAR_PATH, REPO_ROOT, loadGrammar, tokenize } from "./tokenize";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const rawGrammar = JSON.parse(fs.readFileSync(GRAMMAR_PATH, "utf8")) as { [key: string]: Json };

/** Calls `visit` on every object in the grammar with the JSON path that leads to it. */
function walk(node: Json, where: string, visit: (obj: { [key: string]: Json }, where: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => walk(child, `${where}[${i}]`, visit));
  } else if (node !== null && typeof node === "object") {
    visit(node, where);
    for (const [key, child] of Object.entries(node)) walk(child, `${where}.${key}`, visit);
  }
}

function collect(key: string): { value: string; where: string }[] {
  const found: { value: string; where: string }[] = [];
  walk(rawGrammar, "$", (obj, where) => {
    const value = obj[key];
    if (typeof value === "string") found.push({ value, where });
  });
  return found;
}

/**
 * Raya sources in the repository: the examples, the language test cases (except those
 * that are broken on purpose) and the grammar fixtures.
 */
function rayaSources(): string[] {
  const files: string[] = [];
  const visitDir = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "parse-errors") visitDir(full);
      else if (entry.name.endsWith(".raya")) files.push(full);
    }
  };
  visitDir(path.join(REPO_ROOT, "examples"));
  visitDir(path.join(REPO_ROOT, "test", "language", "cases"));
  visitDir(path.join(REPO_ROOT, "test", "grammar"));
  return files;
}

/** Scopes of a lone `;` tokenized after `source`: only the file scope if every rule ended. */
async function scopesAfter(source: string): Promise<string[]> {
  const grammar = await loadGrammar();
  const { state } = tokenize(grammar, source);
  const probe = grammar.tokenizeLine(";", state);
  return probe.tokens[0].scopes;
}

const TOP_LEVEL_SEMICOLON = ["source.raya", "punctuation.terminator.statement.raya"];

describe("grammar: raya.tmLanguage.json", () => {
  it("has the scope name and file type the extension registers", () => {
    assert.strictEqual(rawGrammar.scopeName, "source.raya");
    assert.deepStrictEqual(rawGrammar.fileTypes, ["raya"]);
  });

  it("resolves every include to a rule of its repository", () => {
    const repository = rawGrammar.repository as { [key: string]: Json };
    const broken = collect("include")
      .filter(({ value }) => value !== "$self" && value !== "$base")
      .filter(({ value }) => !value.startsWith("#") || !(value.slice(1) in repository));
    assert.deepStrictEqual(broken, []);
  });

  it("uses every repository rule", () => {
    const included = new Set(collect("include").map(({ value }) => value.slice(1)));
    const unused = Object.keys(rawGrammar.repository as object).filter((name) => !included.has(name));
    assert.deepStrictEqual(unused, []);
  });

  it("ends every scope name with .raya", () => {
    const names = [...collect("name"), ...collect("contentName")]
      .filter(({ where }) => where !== "$") // the grammar's display name, not a scope
      .flatMap(({ value, where }) =>
      value.split(/\s+/).map((scope) => ({ scope, where })),
    );
    assert.ok(names.length > 100, "expected the grammar to name many scopes");
    assert.deepStrictEqual(
      names.filter(({ scope }) => !scope.endsWith(".raya")),
      [],
    );
  });

  it("compiles every regular expression with Oniguruma", async () => {
    await loadGrammar(); // loads the WASM regex engine
    const patterns = [...collect("match"), ...collect("begin"), ...collect("end")];
    const rejected = patterns.filter(({ value }) => {
      try {
        new oniguruma.OnigScanner([value]).dispose();
        return false;
      } catch {
        return true;
      }
    });
    assert.deepStrictEqual(rejected, []);
  });

  it("colours a comment, so the rule list as a whole is usable", async () => {
    // A pattern Oniguruma accepts alone can still break the combined scanner of a rule
    // list (nested look-behinds did); then every token comes back unscoped.
    const grammar = await loadGrammar();
    const { lines } = tokenize(grammar, "let a = 1; // note");
    const scopesOf = (text: string): string[] | undefined => lines[0].find((t) => t.text === text)?.scopes;
    assert.deepStrictEqual(scopesOf("let"), ["source.raya", "meta.var.expr.raya", "storage.type.raya"]);
    assert.deepStrictEqual(scopesOf("//"), [
      "source.raya",
      "comment.line.double-slash.raya",
      "punctuation.definition.comment.raya",
    ]);
  });

  it("returns to the top level after every Raya file in the repository", async () => {
    const files = rayaSources();
    assert.ok(files.length >= 15, `expected Raya sources to check, found ${files.length}`);
    const leaking: string[] = [];
    for (const file of files) {
      const scopes = await scopesAfter(fs.readFileSync(file, "utf8"));
      if (scopes.join(" ") !== TOP_LEVEL_SEMICOLON.join(" ")) {
        leaking.push(`${path.relative(REPO_ROOT, file)}: ${scopes.join(" ")}`);
      }
    }
    assert.deepStrictEqual(leaking, []);
  });

  it("returns to the top level after unfinished constructs end", async () => {
    // Each snippet leaves a construct open on its last line; the next statement-like line
    // must not inherit it.
    const snippets = [
      'const s = "never closed\n',
      "type Alias = int | string\nconst after = 1\n",
      "abstract class A {\n  abstract f(): int\n}\n",
      "let x: Map<string, int> = new Map()\n",
      "import { a } from \"./a\"\n",
    ];
    for (const snippet of snippets) {
      assert.deepStrictEqual(await scopesAfter(snippet), TOP_LEVEL_SEMICOLON, snippet);
    }
  });

  it("tokenizes pathological lines in bounded time", async () => {
    const grammar = await loadGrammar();
    const lines = [
      "f(" + "(a, ".repeat(300) + "b" + ")".repeat(301) + ";",
      "x = " + "a < b && ".repeat(300) + "c;",
      "g(" + "h<i, ".repeat(200) + "j);",
      "const s = `" + "${a + `b ${c}`}".repeat(200) + "`;",
      "y = " + "(p) => ".repeat(300) + "p;",
    ];
    for (const line of lines) {
      const started = process.hrtime.bigint();
      tokenize(grammar, line);
      const millis = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(millis < 1000, `took ${millis.toFixed(0)} ms: ${line.slice(0, 40)}...`);
    }
  });
});

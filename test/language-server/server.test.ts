// The language server end to end: a real client connection over stdio to the server process.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DIAGNOSTICS_DELAY_MS } from "../../language-server/server";
import { fileUri, LspTestClient, type LspRange } from "./lspTestClient";

interface Hover { contents: { kind: string; value: string }; range?: LspRange }
interface Location { uri: string; range: LspRange }
interface DocumentSymbol { name: string; kind: number; range: LspRange; selectionRange: LspRange; children?: DocumentSymbol[] }
interface CompletionItem { label: string; kind?: number; detail?: string }
type CompletionResult = CompletionItem[] | { items: CompletionItem[] } | null;

const SYMBOL_KIND = { Class: 5, Method: 6, Field: 8, Function: 12, Variable: 13, Constant: 14, Interface: 11 };

function labels(result: CompletionResult): string[] {
  const items = result === null ? [] : Array.isArray(result) ? result : result.items;
  return items.map((i) => i.label);
}

describe("language server (over stdio)", function () {
  this.timeout(30000);
  let client: LspTestClient;
  let dir: string;

  const file = (name: string): string => path.join(dir, name);
  const position = (text: string, marker: string, delta = 0) => {
    const offset = text.indexOf(marker) + delta;
    assert.ok(text.indexOf(marker) >= 0, `marker ${marker} not in text`);
    const before = text.slice(0, offset).split("\n");
    return { line: before.length - 1, character: before[before.length - 1].length };
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-ls-"));
    client = LspTestClient.start("source");
    const init = await client.initialize(dir);
    assert.ok(init.capabilities.hoverProvider);
    assert.ok(init.capabilities.completionProvider);
  });

  after(() => {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("publishes a type error with its range and message, and clears it when fixed", async () => {
    const main = file("typeError.raya");
    await client.open(main, 'let x: number = "hello";\n');
    const [diagnostic, ...rest] = await client.waitForDiagnostics(main, (d) => d.length > 0);
    assert.deepEqual(rest, []);
    assert.equal(diagnostic.message, "Type 'string' is not assignable to type 'number'.");
    assert.equal(diagnostic.source, "raya");
    assert.deepEqual(diagnostic.range, { start: { line: 0, character: 16 }, end: { line: 0, character: 23 } });

    await client.change(main, "let x: number = 42;\n", 2);
    await client.waitForDiagnostics(main, (d) => d.length === 0);
  });

  it("uses the parser's end position for syntax errors", async () => {
    const main = file("syntaxError.raya");
    await client.open(main, "let = 1;\n");
    const diagnostics = await client.waitForDiagnostics(main, (d) => d.length > 0);
    assert.equal(diagnostics[0].message, "Expected an identifier but found '='");
    assert.deepEqual(diagnostics[0].range, { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } });
  });

  it("debounces quick edits into one check of the latest text", async () => {
    const main = file("debounce.raya");
    await client.open(main, "let a: int = 1;\n");
    await client.waitForDiagnostics(main, (d) => d.length === 0);
    client.forgetDiagnostics(main);
    const publishedBefore = client.publicationCounts.get(fileUri(main));
    // Two keystrokes in a row: the first leaves an unterminated string (a parse error).
    await client.edit(main, { start: { line: 0, character: 13 }, end: { line: 0, character: 14 } }, '"', 2);
    await client.edit(main, { start: { line: 0, character: 14 }, end: { line: 0, character: 14 } }, 's"', 3);
    const diagnostics = await client.waitForDiagnostics(main, (d) => d.length > 0);
    assert.deepEqual(diagnostics.map((d) => d.message), ["Type 'string' is not assignable to type 'int'."]);
    await new Promise((resolve) => setTimeout(resolve, 2 * DIAGNOSTICS_DELAY_MS));
    assert.equal(client.publicationCounts.get(fileUri(main)), publishedBefore! + 1, "one check for both edits");
  });

  it("shows the type under the cursor on hover", async () => {
    const main = file("hover.raya");
    const text = "function twice(n: int): int {\n  return n * 2;\n}\nconst total = twice(4);\nconst word = \"hi\".toUpperCase();\n";
    await client.open(main, text);
    const call = await client.request<Hover>("textDocument/hover", { textDocument: { uri: fileUri(main) }, position: position(text, "twice(4)", 1) });
    assert.equal(call.contents.kind, "markdown");
    assert.equal(call.contents.value, "```raya\ntwice: (n: int) => int\n```");
    const method = await client.request<Hover>("textDocument/hover", { textDocument: { uri: fileUri(main) }, position: position(text, "toUpperCase", 2) });
    assert.match(method.contents.value, /\(\) => string/);
    const blank = await client.request<Hover | null>("textDocument/hover", { textDocument: { uri: fileUri(main) }, position: { line: 2, character: 0 } });
    assert.equal(blank, null);
  });

  it("goes to definitions across files, through the unsaved text of an open import", async () => {
    const util = file("util.raya");
    const main = file("main.raya");
    fs.writeFileSync(util, "export function helper(a: int): int {\n  return a;\n}\n");
    const mainText = 'import { helper, Shape } from "./util";\nconst s: Shape = new Shape();\nconst v = helper(1) + s.area();\n';
    fs.writeFileSync(main, mainText);
    // Shape exists only in the open (unsaved) buffer of util.raya.
    const utilText = "export function helper(a: int): int {\n  return a;\n}\nexport class Shape {\n  area(): number { return 1; }\n}\n";
    await client.open(util, utilText);
    await client.open(main, mainText);
    await client.waitForDiagnostics(main, (d) => d.length === 0);

    const toHelper = await client.request<Location>("textDocument/definition", { textDocument: { uri: fileUri(main) }, position: position(mainText, "helper(1)", 2) });
    assert.equal(toHelper.uri, fileUri(util));
    assert.deepEqual(toHelper.range, { start: { line: 0, character: 16 }, end: { line: 0, character: 22 } });

    const toMethod = await client.request<Location>("textDocument/definition", { textDocument: { uri: fileUri(main) }, position: position(mainText, "area()", 1) });
    assert.equal(toMethod.uri, fileUri(util));
    assert.deepEqual(toMethod.range.start, { line: 4, character: 2 });

    const toType = await client.request<Location>("textDocument/definition", { textDocument: { uri: fileUri(main) }, position: position(mainText, "Shape =", 1) });
    assert.equal(toType.uri, fileUri(util));
    assert.deepEqual(toType.range, { start: { line: 3, character: 13 }, end: { line: 3, character: 18 } });
  });

  it("re-checks importing documents when an imported file changes, each reporting its own errors", async () => {
    const lib = file("lib.raya");
    const app = file("app.raya");
    fs.writeFileSync(lib, "export function size(): int {\n  return 1;\n}\n");
    const appText = 'import { size } from "./lib";\nconst n: int = size();\n';
    await client.open(lib, "export function size(): int {\n  return 1;\n}\n");
    await client.open(app, appText);
    await client.waitForDiagnostics(app, (d) => d.length === 0);

    // The imported file now returns a string and has an error of its own.
    await client.change(lib, 'export function size(): string {\n  return "one";\n}\nlet broken: int = "x";\n', 2);
    const libDiagnostics = await client.waitForDiagnostics(lib, (d) => d.length > 0);
    assert.deepEqual(libDiagnostics.map((d) => d.range.start.line), [3]);
    const appDiagnostics = await client.waitForDiagnostics(app, (d) => d.length > 0);
    assert.deepEqual(appDiagnostics.map((d) => d.message), ["Type 'string' is not assignable to type 'int'."]);
    assert.equal(appDiagnostics[0].range.start.line, 1);
  });

  it("lists document symbols hierarchically", async () => {
    const main = file("symbols.raya");
    const text = [
      "export function area(r: number): number { return r; }",
      "class Circle {",
      "  radius: number = 1;",
      "  constructor() {}",
      "  grow(): void {}",
      "}",
      "interface Named { name: string; }",
      "type Id = int;",
      "const LIMIT = 3;",
      "let counter = 0;",
      "",
    ].join("\n");
    await client.open(main, text);
    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri: fileUri(main) } });
    assert.deepEqual(symbols.map((s) => [s.name, s.kind]), [
      ["area", SYMBOL_KIND.Function], ["Circle", SYMBOL_KIND.Class], ["Named", SYMBOL_KIND.Interface],
      ["Id", 26], ["LIMIT", SYMBOL_KIND.Constant], ["counter", SYMBOL_KIND.Variable],
    ]);
    const circle = symbols[1];
    assert.deepEqual(circle.children!.map((c) => c.name), ["radius", "constructor", "grow"]);
    assert.deepEqual(circle.selectionRange, { start: { line: 1, character: 6 }, end: { line: 1, character: 12 } });
    assert.deepEqual(circle.range, { start: { line: 1, character: 0 }, end: { line: 5, character: 1 } });
    assert.equal(circle.children![2].kind, SYMBOL_KIND.Method);
  });

  it("completes members after '.' for classes, strings, arrays, Map and the library objects", async () => {
    const main = file("complete.raya");
    const base = [
      "class Counter {",
      "  count: int = 0;",
      "  private hidden: int = 0;",
      "  bump(): void {}",
      "}",
      "const c = new Counter();",
      "const names: string[] = [];",
      "const m = new Map<string, int>();",
      'const s = "abc";',
      "",
    ].join("\n");
    await client.open(main, base);
    let version = 1;
    const completeAt = async (line: string): Promise<string[]> => {
      const text = base + line + "\n";
      await client.change(main, text, ++version);
      const result = await client.request<CompletionResult>("textDocument/completion", {
        textDocument: { uri: fileUri(main) },
        position: { line: text.split("\n").length - 2, character: line.length },
      });
      return labels(result);
    };
    assert.deepEqual((await completeAt("c.")).sort(), ["bump", "count"]);
    assert.deepEqual((await completeAt("c.bu")).sort(), ["bump", "count"]);
    const stringMembers = await completeAt("s.");
    assert.ok(stringMembers.includes("toUpperCase") && stringMembers.includes("length"), stringMembers.join());
    const arrayMembers = await completeAt("names.");
    assert.ok(arrayMembers.includes("push") && arrayMembers.includes("map"), arrayMembers.join());
    const mapMembers = await completeAt("m.");
    assert.ok(mapMembers.includes("get") && mapMembers.includes("size"), mapMembers.join());
    assert.ok((await completeAt("Math.")).includes("floor"));
    assert.ok((await completeAt("console.")).includes("log"));
    assert.ok((await completeAt("JSON.")).includes("stringify"));
  });

  it("completes names in scope and keywords, and the raya:vm names in its import", async () => {
    const main = file("scope.raya");
    const text = "function outer(param: int): void {\n  const local = 1;\n  \n}\nconst top = 2;\n";
    await client.open(main, text);
    const inside = labels(await client.request<CompletionResult>("textDocument/completion", {
      textDocument: { uri: fileUri(main) }, position: { line: 2, character: 2 },
    }));
    for (const name of ["param", "local", "outer", "top", "console", "Math", "Error", "return", "const"]) {
      assert.ok(inside.includes(name), `${name} missing from ${inside.join()}`);
    }
    const outside = labels(await client.request<CompletionResult>("textDocument/completion", {
      textDocument: { uri: fileUri(main) }, position: { line: 5, character: 0 },
    }));
    assert.ok(!outside.includes("local") && !outside.includes("param"));

    const vmFile = file("vm.raya");
    const vmText = 'import { V } from "raya:vm";\n';
    await client.open(vmFile, vmText);
    const vmNames = labels(await client.request<CompletionResult>("textDocument/completion", {
      textDocument: { uri: fileUri(vmFile) }, position: position(vmText, "V }", 1),
    }));
    assert.deepEqual(vmNames, ["VmErrorKind", "VmError", "VmOptions", "VmStats", "CompiledProgram", "Vm", "Compiler"]);

    // The checker knows raya:vm: members of a Vm complete from its declared type.
    const useFile = file("use-vm.raya");
    const useText = 'import { Vm } from "raya:vm";\nconst vm = new Vm({ name: "p" });\nvm.\n';
    await client.open(useFile, useText);
    const members = labels(await client.request<CompletionResult>("textDocument/completion", {
      textDocument: { uri: fileUri(useFile) }, position: position(useText, "vm.\n", 3),
    }));
    for (const name of ["registerCapability", "loadBytecode", "runEntry", "getStats", "snapshot", "terminate"]) {
      assert.ok(members.includes(name), `${name} missing from ${members.join(", ")}`);
    }
  });

  it("survives a garbage document: requests answer and later documents still work", async () => {
    const garbage = file("garbage.raya");
    const text = "}}} class ( => ;; let let 12abc \"unterminated\n@@@ import { from . .. \u0000 `${";
    await client.open(garbage, text);
    await client.waitForDiagnostics(garbage, (d) => d.length > 0);
    const uri = fileUri(garbage);
    for (let line = 0; line < 2; line++) {
      for (let character = 0; character < 30; character += 3) {
        await client.request("textDocument/hover", { textDocument: { uri }, position: { line, character } });
        await client.request("textDocument/definition", { textDocument: { uri }, position: { line, character } });
        await client.request("textDocument/completion", { textDocument: { uri }, position: { line, character } });
      }
    }
    await client.request("textDocument/documentSymbol", { textDocument: { uri } });
    assert.ok(client.isRunning);
    assert.deepEqual(client.stderr.filter((line) => line.includes("failed")), [], "no handler failed internally");

    const after = file("afterGarbage.raya");
    await client.open(after, "let ok: int = true;\n");
    const diagnostics = await client.waitForDiagnostics(after, (d) => d.length > 0);
    assert.equal(diagnostics[0].message, "Type 'boolean' is not assignable to type 'int'.");
  });

  it("shuts down and exits cleanly", async () => {
    assert.equal(await client.shutdown(), 0);
  });
});

describe("language server bundle (dist/languageServer.js)", function () {
  this.timeout(20000);
  it("starts and answers diagnostics when built", async function () {
    const bundle = path.resolve(__dirname, "../../dist/languageServer.js");
    if (!fs.existsSync(bundle)) this.skip(); // `npm test` builds first; a bare mocha run may not have.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-ls-bundle-"));
    const client = LspTestClient.start("bundle");
    try {
      await client.initialize(dir);
      const main = path.join(dir, "main.raya");
      await client.open(main, "let x: string = 1;\n");
      const diagnostics = await client.waitForDiagnostics(main, (d) => d.length > 0);
      assert.equal(diagnostics[0].message, "Type 'int' is not assignable to type 'string'.");
      assert.equal(await client.shutdown(), 0);
    } finally {
      client.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

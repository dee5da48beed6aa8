// language-server/features.ts and positions.ts in process: diagnostic ranges and completion
// contexts that are awkward to reach through the protocol.
import { strict as assert } from "node:assert";
import { TextDocument } from "vscode-languageserver-textdocument";
import { completion, diagnosticsOf, KEYWORDS } from "../../language-server/features";
import { diagnosticRange, pathToUri, uriToPath } from "../../language-server/positions";
import { Workspace } from "../../language-server/workspace";

const FILE = "/virtual/features.raya";

function openDocument(text: string): { workspace: Workspace; document: TextDocument } {
  const document = TextDocument.create(pathToUri(FILE), "raya", 1, text);
  const workspace = new Workspace();
  workspace.open(document);
  return { workspace, document };
}

function labelsAt(text: string, offset: number): string[] {
  const { workspace, document } = openDocument(text);
  return completion(document, workspace, document.positionAt(offset)).map((item) => item.label);
}

describe("language server features (in process)", () => {
  it("underlines a checker error over the offending expression, cut at the end of its line", () => {
    const text = 'function f(a: int): int { return a; }\nf("a very long\\\nstring");\nconst n: int = true;\n';
    const { workspace, document } = openDocument(text);
    const analysis = workspace.analysisOf(document)!;
    const diagnostics = diagnosticsOf(document, analysis);
    assert.deepEqual(diagnostics.map((d) => [d.message, d.range]), [
      ["Argument of type 'string' is not assignable to parameter of type 'int'.", { start: { line: 1, character: 2 }, end: { line: 1, character: 15 } }],
      ["Type 'boolean' is not assignable to type 'int'.", { start: { line: 3, character: 15 }, end: { line: 3, character: 19 } }],
    ]);
  });

  it("falls back to the word at the start when no node starts there, and never to an empty range", () => {
    const document = TextDocument.create(pathToUri(FILE), "raya", 1, "alpha beta\n");
    const word = diagnosticRange(document, { file: FILE, line: 1, column: 7, message: "m" }, undefined);
    assert.deepEqual(word, { start: { line: 0, character: 6 }, end: { line: 0, character: 10 } });
    const space = diagnosticRange(document, { file: FILE, line: 1, column: 6, message: "m" }, undefined);
    assert.deepEqual(space, { start: { line: 0, character: 5 }, end: { line: 0, character: 6 } });
  });

  it("does not treat a number's decimal point or a spread as a member access", () => {
    const afterNumber = labelsAt("const x = 12.", 13);
    assert.ok(afterNumber.includes("const") && afterNumber.includes("x"), afterNumber.join());
    const spread = "const xs = [1];\nconst ys = [...";
    assert.ok(labelsAt(spread, spread.length).includes("xs"));
    assert.deepEqual(labelsAt("const n = 12;\nn.", 16).filter((l) => KEYWORDS.includes(l)), []);
  });

  it("completes members after '?.' and after a partially typed name", () => {
    const text = "class A {\n  value: int = 1;\n}\nfunction f(a: A | null): void {\n  a?.va";
    assert.deepEqual(labelsAt(text, text.length), ["value"]);
  });

  it("maps file URIs to paths and rejects other schemes and hosts", () => {
    assert.equal(uriToPath(pathToUri("/tmp/a b.raya")), "/tmp/a b.raya");
    assert.equal(uriToPath("untitled:Untitled-1"), null);
    assert.equal(uriToPath("file://server/share/x.raya"), null);
  });
});

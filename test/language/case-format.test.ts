// Tests of the case-header reader, so a malformed case fails loudly instead of testing nothing.
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listCases, readCase } from "./case-format";

describe("language case format", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-cases-"));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  }

  it("reads output lines, empty lines, the result and skips descriptions", () => {
    const file = write(
      "a.raya",
      "// A description.\n// expect-output:\n// one\n//\n//   indented\n// expect-result: {\"a\":[1]}\n// oracle: skip int wrap\nconsole.log(1);\n// not header\n",
    );
    const c = readCase(file, "f/a.raya", "f");
    assert.deepStrictEqual(c.output, ["one", "", "  indented"]);
    assert.deepStrictEqual(c.result, { a: [1] });
    assert.strictEqual(c.hasResult, true);
    assert.strictEqual(c.oracleSkip, "int wrap");
  });

  it("reads compile errors with and without a file and a message", () => {
    const file = write("m/main.raya", "// expect-compile-error: 3:5 Cannot find name 'x'.\n// expect-compile-error: lib.raya 1:2\n// allow-more-errors\nx;\n");
    const c = readCase(file, "f/m/", "f");
    assert.deepStrictEqual(c.compileErrors, [
      { file, line: 3, column: 5, message: "Cannot find name 'x'." },
      { file: path.join(dir, "m", "lib.raya"), line: 1, column: 2, message: "" },
    ]);
    assert.strictEqual(c.allowMoreErrors, true);
  });

  it("reads runtime errors with optional message, line and file", () => {
    const read = (spec: string) => readCase(write("r.raya", `// expect-runtime-error: ${spec}\nf();\n`), "r", "r").runtimeError;
    assert.deepStrictEqual(read("RangeError"), { errorName: "RangeError", message: "", line: null, file: null });
    assert.deepStrictEqual(read("Error: a: b @ 7"), { errorName: "Error", message: "a: b", line: 7, file: null });
    assert.deepStrictEqual(read("Error: x @ lib.raya:2"), {
      errorName: "Error",
      message: "x",
      line: 2,
      file: path.join(dir, "lib.raya"),
    });
  });

  it("rejects cases without expectations or with conflicting ones", () => {
    assert.throws(() => readCase(write("n.raya", "// just a comment\nf();\n"), "n", "n"), /no expectation/);
    assert.throws(
      () => readCase(write("b.raya", "// expect-result: 1\n// expect-compile-error: 1:1 x\n"), "b", "b"),
      /not both/,
    );
    assert.throws(() => readCase(write("j.raya", "// expect-result: {bad\n"), "j", "j"), /not valid JSON/);
    assert.throws(() => readCase(write("o.raya", "// expect-output:\n//oops\n"), "o", "o"), /start with '\/\/ '/);
  });

  it("lists single-file and folder cases by feature", () => {
    write("feat/one.raya", "// expect-result: 1\nreturn 1;\n");
    write("feat/multi/main.raya", "// expect-result: 2\nreturn 2;\n");
    write("feat/multi/lib.raya", "export const x = 1;\n");
    const names = listCases(dir).map((c) => c.name);
    assert.deepStrictEqual(names, ["feat/multi/", "feat/one.raya"]);
  });

  it("every case in the suite has a well-formed header", () => {
    const cases = listCases();
    assert.ok(cases.length >= 400, `only ${cases.length} cases`);
  });
});

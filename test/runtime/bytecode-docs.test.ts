// docs/bytecode.md's instruction set summary is generated from the comments in opcodes.ts.
// This test regenerates it and fails when the document is stale; run it with UPDATE_DOCS=1
// to rewrite the generated block in place.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { encodeProgram } from "../../runtime/bytecode/encode";
import { Op, OP_NAMES, OPERAND_COUNT } from "../../runtime/bytecode/opcodes";

const ROOT = path.resolve(__dirname, "../..");
const OPCODES_FILE = path.join(ROOT, "runtime/bytecode/opcodes.ts");
const DOC_FILE = path.join(ROOT, "docs/bytecode.md");
const BEGIN = "<!-- BEGIN INSTRUCTION SET: generated from runtime/bytecode/opcodes.ts by test/runtime/bytecode-docs.test.ts (UPDATE_DOCS=1 to refresh) -->";
const END = "<!-- END INSTRUCTION SET -->";

interface OpDoc {
  names: string[];
  comment: string[];
}

interface SectionDoc {
  title: string;
  ops: OpDoc[];
}

/** Reads the `Op` enum body: "// ---- title" starts a section, "NAME, NAME, // text" documents
 *  those opcodes, and a line holding only a comment continues the previous entry's text. */
function parseOpcodeComments(source: string): SectionDoc[] {
  const body = source.slice(source.indexOf("export const enum Op {"), source.indexOf("OP_COUNT,"));
  const sections: SectionDoc[] = [];
  let last: OpDoc | undefined;
  for (const line of body.split("\n").slice(1)) {
    const heading = /^\s*\/\/ ----\s*(.*)$/.exec(line);
    if (heading) {
      sections.push({ title: heading[1].trim(), ops: [] });
      last = undefined;
      continue;
    }
    const entry = /^\s*((?:[A-Z][A-Z0-9_]*(?:\s*=\s*\d+)?,\s*)+)\/\/(.*)$/.exec(line);
    if (entry) {
      const names = entry[1].split(",").map((n) => n.replace(/=.*/, "").trim()).filter(Boolean);
      last = { names, comment: [entry[2].trim()] };
      sections[sections.length - 1].ops.push(last);
      continue;
    }
    const continuation = /^\s*\/\/(.*)$/.exec(line);
    if (continuation && last) last.comment.push(continuation[1].trim());
  }
  return sections;
}

function generateInstructionSet(sections: SectionDoc[]): string {
  const out: string[] = [];
  for (const section of sections) {
    out.push(`### ${section.title[0].toUpperCase()}${section.title.slice(1)}`, "", "```");
    for (const op of section.ops) {
      const label = op.names.map((name) => `${name} (${OP_NAMES.indexOf(name)})`).join(", ");
      const operands = OPERAND_COUNT[OP_NAMES.indexOf(op.names[0])];
      out.push(`${label}  [${operands} operand${operands === 1 ? "" : "s"}]`);
      for (const text of op.comment) out.push(`    ${text}`);
    }
    out.push("```", "");
  }
  return out.join("\n");
}

describe("docs/bytecode.md", () => {
  const sections = parseOpcodeComments(fs.readFileSync(OPCODES_FILE, "utf8"));

  it("documents every opcode of opcodes.ts, in order", () => {
    const documented = sections.flatMap((s) => s.ops.flatMap((op) => op.names));
    assert.deepEqual(documented, OP_NAMES);
  });

  it("has an up-to-date instruction set summary", () => {
    const doc = fs.readFileSync(DOC_FILE, "utf8");
    const begin = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    assert.ok(begin >= 0 && end > begin, "docs/bytecode.md lacks the generated-block markers");
    const generated = `${BEGIN}\n\n${generateInstructionSet(sections)}${END}`;
    const current = doc.slice(begin, end + END.length);
    if (current !== generated && process.env.UPDATE_DOCS === "1") {
      fs.writeFileSync(DOC_FILE, doc.slice(0, begin) + generated + doc.slice(end + END.length));
      return;
    }
    assert.equal(current, generated, "run UPDATE_DOCS=1 npx mocha test/runtime/bytecode-docs.test.ts to refresh it");
  });

  it("shows the exact bytes the encoder writes in its example", () => {
    const doc = fs.readFileSync(DOC_FILE, "utf8");
    const block = doc.slice(doc.indexOf("<!-- BEGIN EXAMPLE -->"), doc.indexOf("<!-- END EXAMPLE -->"));
    const hex = block
      .split("\n")
      .map((line) => /^((?:[0-9a-f]{2} )*[0-9a-f]{2})(?:\s|$)/.exec(line)?.[1] ?? "")
      .join(" ")
      .trim()
      .split(/\s+/);
    const bytes = encodeProgram({
      version: 1,
      constants: [{ kind: "string", value: "hi" }],
      functions: [{
        name: "main", file: 0, line: 1, column: 1, arity: 0, hasRest: false, numLocals: 1, maxStack: 1,
        isAsync: false, isMethod: false, captures: [], code: Int32Array.from([Op.CONST, 0, Op.RETURN]),
        lines: [{ pc: 0, line: 1, column: 1 }], handlers: [], locals: [],
      }],
      classes: [], globals: [], files: [{ name: "a.raya", text: 'return "hi";' }], entry: 0, intrinsics: [],
    });
    assert.deepEqual(hex, Array.from(bytes, (b) => b.toString(16).padStart(2, "0")));
  });
});

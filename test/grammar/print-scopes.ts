// Prints the scopes the Raya grammar gives every token of a file, for writing fixtures:
//   npx tsx test/grammar/print-scopes.ts some.raya [--full]
// A fixture's `SYNTAX TEST` header and assertion lines (`// ^^^ ...`, `// <-- ...`) are
// skipped as vscode-tmgrammar-test skips them, so line 1 is the first line it tokenizes.
import * as fs from "node:fs";
import { loadGrammar, tokenize } from "./tokenize";

const ASSERTION_LINE = /^\/\/\s*(\^|<~*-+)/;
const FIXTURE_HEADER = /^\S+\s+SYNTAX\s+TEST\s+"/;

async function main(): Promise<void> {
  const [file, flag] = process.argv.slice(2);
  if (file === undefined) {
    console.error("usage: npx tsx test/grammar/print-scopes.ts <file.raya> [--full]");
    process.exitCode = 2;
    return;
  }
  const full = flag === "--full";
  const source = fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((line, i) => !ASSERTION_LINE.test(line) && !(i === 0 && FIXTURE_HEADER.test(line)));
  const { lines } = tokenize(await loadGrammar(), source.join("\n"));
  lines.forEach((tokens, i) => {
    console.log(`${i + 1}: ${source[i]}`);
    for (const token of tokens) {
      if (token.text.trim() === "") continue;
      const scopes = full ? token.scopes.slice(1) : token.scopes.slice(-2);
      console.log(`    ${JSON.stringify(token.text)} ${scopes.join(" ")}`);
    }
  });
}

void main();

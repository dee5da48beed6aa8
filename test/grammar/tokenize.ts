// Loads syntaxes/raya.tmLanguage.json into the same engine VS Code uses (vscode-textmate
// with the Oniguruma regex library), so the mocha tests see exactly the scopes an editor
// would. Shared by the grammar and language-configuration tests.
import * as fs from "node:fs";
import * as path from "node:path";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const GRAMMAR_PATH = path.join(REPO_ROOT, "syntaxes", "raya.tmLanguage.json");
export const SCOPE_NAME = "source.raya";

export interface Token {
  text: string;
  scopes: string[];
}

let grammarPromise: Promise<textmate.IGrammar> | null = null;

export function loadGrammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= createGrammar();
  return grammarPromise;
}

async function createGrammar(): Promise<textmate.IGrammar> {
  const wasmPath = path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm");
  const wasm = fs.readFileSync(wasmPath);
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === SCOPE_NAME ? textmate.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, "utf8"), GRAMMAR_PATH) : null,
  });
  const grammar = await registry.loadGrammar(SCOPE_NAME);
  if (grammar === null) throw new Error(`could not load ${GRAMMAR_PATH}`);
  return grammar;
}

/** Tokenizes `source` line by line; returns the tokens of every line and the final state. */
export function tokenize(grammar: textmate.IGrammar, source: string): { lines: Token[][]; state: textmate.StackElement } {
  let state: textmate.StackElement = textmate.INITIAL;
  const lines: Token[][] = [];
  for (const line of source.split(/\r?\n/)) {
    const result = grammar.tokenizeLine(line, state);
    lines.push(result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })));
    state = result.ruleStack;
  }
  return { lines, state };
}

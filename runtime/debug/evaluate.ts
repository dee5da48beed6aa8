// A small, side-effect-free expression evaluator over Raya values, for breakpoint conditions,
// logpoints, hovers, watches and the debug console. It reads variables, fields, elements and
// lengths and computes with literals and operators; it never calls a function, so evaluating
// cannot change the program or run Raya code.
import { RObject, RClass } from "../vm/value";
import { toRayaString } from "../vm/format";
import { unbox } from "./values";

export class EvaluationError extends Error {}

/** Finds a name in the frame being evaluated in; `found` false when it is not in scope. */
export type NameLookup = (name: string) => { found: boolean; value: unknown };

type Token = { kind: "num" | "str" | "id" | "op"; text: string; value?: unknown };

const OPERATORS = ["===", "!==", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "+", "-", "*", "/", "%", "<", ">", "!", "(", ")", "[", "]", ".", "?", ":", ","];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const number = /^(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+)/.exec(text.slice(i));
    if (number !== null) {
      tokens.push({ kind: "num", text: number[0], value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const identifier = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
    if (identifier !== null) {
      tokens.push({ kind: "id", text: identifier[0] });
      i += identifier[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let value = "";
      while (j < text.length && text[j] !== ch) {
        if (text[j] === "\\" && j + 1 < text.length) {
          const escaped = text[j + 1];
          value += escaped === "n" ? "\n" : escaped === "t" ? "\t" : escaped;
          j += 2;
        } else {
          value += text[j++];
        }
      }
      if (j >= text.length) throw new EvaluationError("unterminated string");
      tokens.push({ kind: "str", text: text.slice(i, j + 1), value });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw new EvaluationError(`unexpected '${ch}'`);
    tokens.push({ kind: "op", text: op });
    i += op.length;
  }
  return tokens;
}

const BINARY_PRECEDENCE: Record<string, number> = {
  "??": 1, "||": 2, "&&": 3, "==": 4, "!=": 4, "===": 4, "!==": 4, "<": 5, "<=": 5, ">": 5, ">=": 5,
  "+": 6, "-": 6, "*": 7, "/": 7, "%": 7,
};

/** Evaluates `text` against the names `lookup` resolves; throws EvaluationError. */
export function evaluateExpression(text: string, lookup: NameLookup): unknown {
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isOp = (op: string): boolean => tokens[at]?.kind === "op" && tokens[at].text === op;
  const expect = (op: string): void => {
    if (!isOp(op)) throw new EvaluationError(`expected '${op}'`);
    at++;
  };

  const conditional = (): unknown => {
    const test = binary(1);
    if (!isOp("?")) return test;
    at++;
    const yes = conditional();
    expect(":");
    const no = conditional();
    return truthy(test) ? yes : no;
  };

  const binary = (minPrecedence: number): unknown => {
    let left = unary();
    for (;;) {
      const token = peek();
      const precedence = token?.kind === "op" ? BINARY_PRECEDENCE[token.text] : undefined;
      if (precedence === undefined || precedence < minPrecedence) return left;
      at++;
      const right = binary(precedence + 1);
      left = applyBinary(token!.text, left, right);
    }
  };

  const unary = (): unknown => {
    if (isOp("!")) {
      at++;
      return !truthy(unary());
    }
    if (isOp("-")) {
      at++;
      return -asNumber(unary(), "-");
    }
    if (isOp("+")) {
      at++;
      return asNumber(unary(), "+");
    }
    return postfix(primary());
  };

  const postfix = (start: unknown): unknown => {
    let value = start;
    for (;;) {
      if (isOp(".") || isOp("?.")) {
        const optional = tokens[at].text === "?.";
        at++;
        const name = tokens[at];
        if (name?.kind !== "id") throw new EvaluationError("expected a property name");
        at++;
        if (isOp("(")) throw new EvaluationError("calls are not evaluated (they could change the program)");
        value = optional && value === null ? null : member(value, name.text);
      } else if (isOp("[")) {
        at++;
        const index = conditional();
        expect("]");
        value = element(value, index);
      } else if (isOp("(")) {
        throw new EvaluationError("calls are not evaluated (they could change the program)");
      } else {
        return value;
      }
    }
  };

  const primary = (): unknown => {
    const token = tokens[at++];
    if (token === undefined) throw new EvaluationError("unexpected end of expression");
    if (token.kind === "num" || token.kind === "str") return token.value;
    if (token.kind === "op" && token.text === "(") {
      const value = conditional();
      expect(")");
      return value;
    }
    if (token.kind === "id") {
      if (token.text === "true") return true;
      if (token.text === "false") return false;
      if (token.text === "null") return null;
      const found = lookup(token.text);
      if (!found.found) throw new EvaluationError(`'${token.text}' is not defined here`);
      return unbox(found.value);
    }
    throw new EvaluationError(`unexpected '${token.text}'`);
  };

  const result = conditional();
  if (at < tokens.length) throw new EvaluationError(`unexpected '${tokens[at].text}'`);
  return result;
}

export function truthy(value: unknown): boolean {
  return value !== null && value !== false && value !== 0 && value !== "" && !(typeof value === "number" && Number.isNaN(value));
}

function asNumber(value: unknown, op: string): number {
  if (typeof value !== "number") throw new EvaluationError(`'${op}' needs numbers`);
  return value;
}

function applyBinary(op: string, a: unknown, b: unknown): unknown {
  switch (op) {
    case "&&":
      return truthy(a) ? b : a;
    case "||":
      return truthy(a) ? a : b;
    case "??":
      return a === null ? b : a;
    case "==":
    case "===":
      return a === b;
    case "!=":
    case "!==":
      return a !== b;
    case "+":
      if (typeof a === "string" || typeof b === "string") return toRayaString(a) + toRayaString(b);
      return asNumber(a, op) + asNumber(b, op);
  }
  if (op === "<" || op === "<=" || op === ">" || op === ">=") {
    const comparable = (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
    if (!comparable) throw new EvaluationError(`'${op}' needs two numbers or two strings`);
    const x = a as number;
    const y = b as number;
    return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : x >= y;
  }
  const x = asNumber(a, op);
  const y = asNumber(b, op);
  return op === "-" ? x - y : op === "*" ? x * y : op === "/" ? x / y : x % y;
}

function member(value: unknown, name: string): unknown {
  if (name === "length" && (typeof value === "string" || Array.isArray(value))) return value.length;
  if (name === "size" && (value instanceof Map || value instanceof Set)) return value.size;
  if (value instanceof RObject) {
    const slot = value.layout.fieldIndex.get(name);
    if (slot !== undefined) return unbox(value.fields[slot]);
  }
  if (value instanceof RClass) {
    const slot = value.staticIndex.get(name);
    if (slot !== undefined) return value.statics[slot];
  }
  throw new EvaluationError(`no readable property '${name}' on this value (getters and methods are not called)`);
}

function element(value: unknown, index: unknown): unknown {
  if ((Array.isArray(value) || typeof value === "string") && typeof index === "number") {
    return index >= 0 && index < value.length && Number.isInteger(index) ? value[index] : null;
  }
  if (value instanceof Map) return value.has(index) ? value.get(index) : null;
  if (value instanceof RObject && typeof index === "string") return member(value, index);
  throw new EvaluationError("this value cannot be indexed");
}

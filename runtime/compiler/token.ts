// Tokens produced by the lexer. Punctuators and keywords carry their spelling in `value`
// (always one of the canonical string constants below, so comparisons stay cheap).

export enum TokenKind {
  EOF,
  Identifier,
  Keyword,
  Punct,
  Number,
  String,
  /** `` `text` `` with no substitutions. */
  Template,
  /** `` `text${ `` */
  TemplateHead,
  /** `` }text${ `` */
  TemplateMiddle,
  /** `` }text` `` */
  TemplateTail,
}

export interface Token {
  kind: TokenKind;
  /** Identifier name, keyword/punctuator spelling, raw number text, or cooked string text. */
  value: string;
  /** Numeric value of a Number token (0 otherwise). */
  num: number;
  /** Number token written without fraction/exponent whose value fits in int32. */
  isInt: boolean;
  start: number;
  end: number;
  line: number; // 1-based
  col: number; // 1-based
  /** A line terminator separates this token from the previous one (drives ASI). */
  newlineBefore: boolean;
}

/** Reserved words: never identifiers. Contextual words (async, get, type, ...) are identifiers. */
export const KEYWORDS: ReadonlyMap<string, string> = new Map(
  [
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
    "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function",
    "if", "import", "in", "instanceof", "let", "new", "null", "return", "super", "switch",
    "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
  ].map((k) => [k, k]),
);

/** How a token reads in a diagnostic: `'}'`, `'foo'`, `end of file`. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case TokenKind.EOF:
      return "end of file";
    case TokenKind.String:
      return "string literal";
    case TokenKind.Template:
    case TokenKind.TemplateHead:
    case TokenKind.TemplateMiddle:
    case TokenKind.TemplateTail:
      return "template literal";
    default:
      return `'${t.value}'`;
  }
}

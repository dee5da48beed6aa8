// Characters → tokens. Works on char codes and slices the source once per token, so it can
// run on every keystroke in the language server.
//
// Two choices keep the token stream context-free, so the whole file is lexed up front and the
// parser can backtrack freely:
// * `>` is always a single-character token; the parser joins adjacent `>` `>` `=` into
//   `>>`, `>=`, `>>>=` ... where it expects an operator (so `Map<K, Set<V>>` needs no
//   re-scanning).
// * A stack of open braces tells a `}` that closes a `${` substitution from a block's `}`, so
//   template literals are lexed here, nesting included.
import type { Diagnostic } from "./diagnostics";
import { KEYWORDS, Token, TokenKind } from "./token";

export interface LexResult {
  tokens: Token[]; // always ends with an EOF token
  diagnostics: Diagnostic[];
  /** Start offsets of tokens the lexer reported an error in; the parser does not pile a
   *  second error onto them. */
  flaggedTokenStarts: Set<number>;
}

export function tokenize(text: string, file: string): LexResult {
  return new Lexer(text, file).run();
}

const CH_TAB = 9, CH_LF = 10, CH_VT = 11, CH_FF = 12, CH_CR = 13, CH_SPACE = 32;
const CH_BANG = 33, CH_DQUOTE = 34, CH_DOLLAR = 36, CH_PERCENT = 37, CH_AMP = 38, CH_SQUOTE = 39;
const CH_LPAREN = 40, CH_RPAREN = 41, CH_STAR = 42, CH_PLUS = 43, CH_COMMA = 44, CH_MINUS = 45;
const CH_DOT = 46, CH_SLASH = 47, CH_0 = 48, CH_1 = 49, CH_7 = 55, CH_9 = 57, CH_COLON = 58;
const CH_SEMI = 59, CH_LT = 60, CH_EQ = 61, CH_GT = 62, CH_QUESTION = 63;
const CH_A = 65, CH_F = 70, CH_Z = 90, CH_LBRACKET = 91, CH_BACKSLASH = 92, CH_RBRACKET = 93;
const CH_CARET = 94, CH_UNDERSCORE = 95, CH_BACKTICK = 96, CH_a = 97, CH_b = 98, CH_f = 102;
const CH_n = 110, CH_o = 111, CH_r = 114, CH_t = 116, CH_u = 117, CH_v = 118, CH_x = 120;
const CH_z = 122, CH_LBRACE = 123, CH_BAR = 124, CH_RBRACE = 125, CH_TILDE = 126;
const CH_NBSP = 0xa0, CH_LS = 0x2028, CH_PS = 0x2029, CH_BOM = 0xfeff;

function isLineTerminator(c: number): boolean {
  return c === CH_LF || c === CH_CR || c === CH_LS || c === CH_PS;
}
function isDecimalDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}
function hexValue(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  if (c >= CH_a && c <= CH_f) return c - CH_a + 10;
  if (c >= CH_A && c <= CH_F) return c - CH_A + 10;
  return -1;
}
const ID_START_RE = /[\p{ID_Start}]/u;
const ID_PART_RE = /[\p{ID_Continue}\u200c\u200d]/u;
function isIdentifierStart(c: number): boolean {
  if (c < 128) {
    return (c >= CH_a && c <= CH_z) || (c >= CH_A && c <= CH_Z) || c === CH_DOLLAR || c === CH_UNDERSCORE;
  }
  return ID_START_RE.test(String.fromCharCode(c));
}
function isIdentifierPart(c: number): boolean {
  if (c < 128) {
    return (
      (c >= CH_a && c <= CH_z) || (c >= CH_A && c <= CH_Z) || (c >= CH_0 && c <= CH_9) ||
      c === CH_DOLLAR || c === CH_UNDERSCORE
    );
  }
  return ID_PART_RE.test(String.fromCharCode(c));
}

const BRACE_BLOCK = 0;
const BRACE_TEMPLATE = 1;

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private newlineBefore = false;
  private readonly tokens: Token[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly flaggedTokenStarts = new Set<number>();
  /** One entry per open `{` or `${`, to know what a `}` closes. */
  private readonly braces: number[] = [];
  /** Where each template with an open `${` began, to report one left open at end of file. */
  private readonly openTemplates: { line: number; col: number }[] = [];
  // Position of the token being scanned.
  private tokStart = 0;
  private tokLine = 1;
  private tokCol = 1;

  constructor(private readonly text: string, private readonly file: string) {}

  run(): LexResult {
    const text = this.text;
    if (text.charCodeAt(0) === CH_BOM) this.pos = 1;
    // A `#!` line at the very start (scripts run directly) is a comment.
    if (text.charCodeAt(this.pos) === 35 /* # */ && text.charCodeAt(this.pos + 1) === CH_BANG) {
      while (this.pos < text.length && !isLineTerminator(text.charCodeAt(this.pos))) this.pos++;
    }
    for (;;) {
      this.skipTrivia();
      this.tokStart = this.pos;
      this.tokLine = this.line;
      this.tokCol = this.pos - this.lineStart + 1;
      if (this.pos >= text.length) {
        if (this.openTemplates.length > 0) {
          const { line, col } = this.openTemplates[0];
          this.diagnostics.push({ file: this.file, line, column: col, message: "Unterminated template literal" });
        }
        this.push(TokenKind.EOF, "");
        break;
      }
      this.scanToken();
    }
    return { tokens: this.tokens, diagnostics: this.diagnostics, flaggedTokenStarts: this.flaggedTokenStarts };
  }

  private push(kind: TokenKind, value: string, num = 0, isInt = false): void {
    this.tokens.push({
      kind, value, num, isInt,
      start: this.tokStart, end: this.pos, line: this.tokLine, col: this.tokCol,
      newlineBefore: this.newlineBefore,
    });
    this.newlineBefore = false;
  }

  private report(offset: number, message: string): void {
    // Offsets reported here are always on the current line or the token's first line.
    const onTokenLine = offset < this.lineStart;
    const line = onTokenLine ? this.tokLine : this.line;
    const column = onTokenLine ? this.tokCol + (offset - this.tokStart) : offset - this.lineStart + 1;
    this.diagnostics.push({ file: this.file, line, column, message });
    this.flaggedTokenStarts.add(this.tokStart);
  }

  /** Advances past a line terminator at `pos` (treating CRLF as one). */
  private newline(): void {
    const text = this.text;
    if (text.charCodeAt(this.pos) === CH_CR && text.charCodeAt(this.pos + 1) === CH_LF) this.pos++;
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  private skipTrivia(): void {
    const text = this.text;
    const len = text.length;
    while (this.pos < len) {
      const c = text.charCodeAt(this.pos);
      if (c === CH_SPACE || c === CH_TAB || c === CH_VT || c === CH_FF || c === CH_NBSP || c === CH_BOM) {
        this.pos++;
      } else if (isLineTerminator(c)) {
        this.newline();
        this.newlineBefore = true;
      } else if (c === CH_SLASH && text.charCodeAt(this.pos + 1) === CH_SLASH) {
        this.pos += 2;
        while (this.pos < len && !isLineTerminator(text.charCodeAt(this.pos))) this.pos++;
      } else if (c === CH_SLASH && text.charCodeAt(this.pos + 1) === CH_STAR) {
        this.skipBlockComment();
      } else if (c > 127 && /\s/.test(text[this.pos])) {
        this.pos++;
      } else {
        return;
      }
    }
  }

  private skipBlockComment(): void {
    const text = this.text;
    const len = text.length;
    const startLine = this.line;
    const startCol = this.pos - this.lineStart + 1;
    this.pos += 2;
    while (this.pos < len) {
      const c = text.charCodeAt(this.pos);
      if (c === CH_STAR && text.charCodeAt(this.pos + 1) === CH_SLASH) {
        this.pos += 2;
        return;
      }
      if (isLineTerminator(c)) {
        this.newline();
        this.newlineBefore = true;
      } else {
        this.pos++;
      }
    }
    this.diagnostics.push({ file: this.file, line: startLine, column: startCol, message: "Unterminated comment" });
  }

  private scanToken(): void {
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    if (isIdentifierStart(c)) return this.scanIdentifier();
    if (isDecimalDigit(c)) return this.scanNumber();
    const next = text.charCodeAt(this.pos + 1);
    switch (c) {
      case CH_DQUOTE:
      case CH_SQUOTE:
        return this.scanString(c);
      case CH_BACKTICK:
        this.pos++;
        return this.scanTemplate(true);
      case CH_LBRACE:
        this.braces.push(BRACE_BLOCK);
        return this.punct("{", 1);
      case CH_RBRACE:
        if (this.braces.pop() === BRACE_TEMPLATE) {
          this.pos++;
          return this.scanTemplate(false);
        }
        return this.punct("}", 1);
      case CH_LPAREN: return this.punct("(", 1);
      case CH_RPAREN: return this.punct(")", 1);
      case CH_LBRACKET: return this.punct("[", 1);
      case CH_RBRACKET: return this.punct("]", 1);
      case CH_SEMI: return this.punct(";", 1);
      case CH_COMMA: return this.punct(",", 1);
      case CH_COLON: return this.punct(":", 1);
      case CH_TILDE: return this.punct("~", 1);
      case CH_GT: return this.punct(">", 1); // see the header comment
      case CH_DOT:
        if (isDecimalDigit(next)) return this.scanNumber();
        if (next === CH_DOT && text.charCodeAt(this.pos + 2) === CH_DOT) return this.punct("...", 3);
        return this.punct(".", 1);
      case CH_QUESTION:
        if (next === CH_QUESTION) {
          return text.charCodeAt(this.pos + 2) === CH_EQ ? this.punct("??=", 3) : this.punct("??", 2);
        }
        // `a?.5:b` is a conditional, not optional chaining.
        if (next === CH_DOT && !isDecimalDigit(text.charCodeAt(this.pos + 2))) return this.punct("?.", 2);
        return this.punct("?", 1);
      case CH_EQ:
        if (next === CH_GT) return this.punct("=>", 2);
        if (next === CH_EQ) {
          return text.charCodeAt(this.pos + 2) === CH_EQ ? this.punct("===", 3) : this.punct("==", 2);
        }
        return this.punct("=", 1);
      case CH_BANG:
        if (next === CH_EQ) {
          return text.charCodeAt(this.pos + 2) === CH_EQ ? this.punct("!==", 3) : this.punct("!=", 2);
        }
        return this.punct("!", 1);
      case CH_PLUS:
        if (next === CH_PLUS) return this.punct("++", 2);
        return next === CH_EQ ? this.punct("+=", 2) : this.punct("+", 1);
      case CH_MINUS:
        if (next === CH_MINUS) return this.punct("--", 2);
        return next === CH_EQ ? this.punct("-=", 2) : this.punct("-", 1);
      case CH_STAR:
        if (next === CH_STAR) {
          return text.charCodeAt(this.pos + 2) === CH_EQ ? this.punct("**=", 3) : this.punct("**", 2);
        }
        return next === CH_EQ ? this.punct("*=", 2) : this.punct("*", 1);
      case CH_SLASH:
        return next === CH_EQ ? this.punct("/=", 2) : this.punct("/", 1);
      case CH_PERCENT:
        return next === CH_EQ ? this.punct("%=", 2) : this.punct("%", 1);
      case CH_CARET:
        return next === CH_EQ ? this.punct("^=", 2) : this.punct("^", 1);
      case CH_LT:
        if (next === CH_LT) {
          return text.charCodeAt(this.pos + 2) === CH_EQ ? this.punct("<<=", 3) : this.punct("<<", 2);
        }
        return next === CH_EQ ? this.punct("<=", 2) : this.punct("<", 1);
      case CH_AMP:
        if (next === CH_AMP) {
          return text.charCodeAt(this.pos + 2) === CH_EQ ? this.punct("&&=", 3) : this.punct("&&", 2);
        }
        return next === CH_EQ ? this.punct("&=", 2) : this.punct("&", 1);
      case CH_BAR:
        if (next === CH_BAR) {
          return text.charCodeAt(this.pos + 2) === CH_EQ ? this.punct("||=", 3) : this.punct("||", 2);
        }
        return next === CH_EQ ? this.punct("|=", 2) : this.punct("|", 1);
    }
    // Not a token: report it and skip the character (a surrogate pair counts as one).
    const cp = text.codePointAt(this.pos) as number;
    this.report(this.pos, `Invalid character '${String.fromCodePoint(cp)}'`);
    this.pos += cp > 0xffff ? 2 : 1;
  }

  private punct(value: string, length: number): void {
    this.pos += length;
    this.push(TokenKind.Punct, value);
  }

  private scanIdentifier(): void {
    const text = this.text;
    const start = this.pos;
    this.pos++;
    while (this.pos < text.length && isIdentifierPart(text.charCodeAt(this.pos))) this.pos++;
    const name = text.slice(start, this.pos);
    const keyword = KEYWORDS.get(name);
    if (keyword !== undefined) this.push(TokenKind.Keyword, keyword);
    else this.push(TokenKind.Identifier, name);
  }

  // ------------------------------------------------------------------ numbers

  private scanNumber(): void {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    const prefix = c === CH_0 ? text.charCodeAt(start + 1) | 0x20 : 0; // lower-cased
    let value: number;
    let isInt = false;
    if (prefix === CH_x || prefix === CH_b || prefix === CH_o) {
      const radix = prefix === CH_x ? 16 : prefix === CH_b ? 2 : 8;
      this.pos += 2;
      const digits = this.scanDigits(radix);
      if (digits === "") {
        this.report(start, radix === 16 ? "Hexadecimal digit expected" : radix === 2 ? "Binary digit expected" : "Octal digit expected");
        value = 0;
      } else {
        value = parseInt(digits, radix);
      }
      isInt = value <= 0x7fffffff;
    } else {
      let plain = true;
      let digits = c === CH_DOT ? "" : this.scanDigits(10);
      if (c === CH_0 && digits.length > 1) {
        this.report(start, "Octal literals are not allowed; use the syntax '0o" + digits.slice(1) + "'");
      }
      if (text.charCodeAt(this.pos) === CH_DOT) {
        plain = false;
        this.pos++;
        digits += "." + this.scanDigits(10);
      }
      const e = text.charCodeAt(this.pos) | 0x20;
      if (e === 101 /* e */) {
        plain = false;
        this.pos++;
        let exponent = "e";
        const sign = text.charCodeAt(this.pos);
        if (sign === CH_PLUS || sign === CH_MINUS) {
          exponent += text[this.pos];
          this.pos++;
        }
        const expDigits = this.scanDigits(10);
        if (expDigits === "") this.report(this.pos, "Digit expected");
        digits += exponent + (expDigits || "0");
      }
      value = Number(digits);
      isInt = plain && value <= 0x7fffffff;
    }
    if (text.charCodeAt(this.pos) === CH_n) {
      this.report(this.pos, "BigInt literals are not supported");
      this.pos++;
    }
    if (this.pos < text.length && isIdentifierStart(text.charCodeAt(this.pos))) {
      this.report(this.pos, "An identifier or keyword cannot immediately follow a numeric literal");
      while (this.pos < text.length && isIdentifierPart(text.charCodeAt(this.pos))) this.pos++;
    }
    this.push(TokenKind.Number, text.slice(start, this.pos), value, isInt);
  }

  /** Digits of `radix` with `_` separators; returns them without separators. */
  private scanDigits(radix: number): string {
    const text = this.text;
    const start = this.pos;
    let hasSeparator = false;
    let lastWasSeparator = false;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === CH_UNDERSCORE) {
        if (this.pos === start || lastWasSeparator) {
          this.report(this.pos, lastWasSeparator ? "Multiple consecutive numeric separators are not permitted" : "Numeric separators are not allowed here");
        }
        hasSeparator = true;
        lastWasSeparator = true;
        this.pos++;
        continue;
      }
      const d = hexValue(c);
      if (d < 0 || d >= radix) break;
      lastWasSeparator = false;
      this.pos++;
    }
    if (lastWasSeparator) this.report(this.pos - 1, "Numeric separators are not allowed here");
    const digits = text.slice(start, this.pos);
    return hasSeparator ? digits.split("_").join("") : digits;
  }

  // ------------------------------------------------------------------ strings

  private scanString(quote: number): void {
    const text = this.text;
    const len = text.length;
    this.pos++;
    let chunkStart = this.pos;
    let cooked = "";
    for (;;) {
      if (this.pos >= len) {
        this.report(this.tokStart, "Unterminated string literal");
        break;
      }
      const c = text.charCodeAt(this.pos);
      if (c === quote) {
        cooked += text.slice(chunkStart, this.pos);
        this.pos++;
        break;
      }
      if (c === CH_LF || c === CH_CR) {
        // The string ends at the line break; the next line lexes normally.
        this.report(this.tokStart, "Unterminated string literal");
        cooked += text.slice(chunkStart, this.pos);
        break;
      }
      if (c === CH_BACKSLASH) {
        cooked += text.slice(chunkStart, this.pos) + this.scanEscape();
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
    this.push(TokenKind.String, cooked);
  }

  /** Scans the escape at `pos` (a backslash) and returns the text it stands for. */
  private scanEscape(): string {
    const text = this.text;
    const escapeStart = this.pos;
    this.pos++;
    if (this.pos >= text.length) return "";
    const c = text.charCodeAt(this.pos);
    this.pos++;
    switch (c) {
      case CH_n: return "\n";
      case CH_t: return "\t";
      case CH_r: return "\r";
      case CH_b: return "\b";
      case CH_f: return "\f";
      case CH_v: return "\v";
      case CH_0:
        if (!isDecimalDigit(text.charCodeAt(this.pos))) return "\0";
        this.report(escapeStart, "Octal escape sequences are not allowed");
        return "";
      case CH_x: {
        const value = this.scanHexDigits(2, 2);
        if (value < 0) {
          this.report(escapeStart, "Hexadecimal digit expected");
          return "";
        }
        return String.fromCharCode(value);
      }
      case CH_u:
        return this.scanUnicodeEscape(escapeStart);
      case CH_CR:
        if (text.charCodeAt(this.pos) === CH_LF) this.pos++;
        this.line++;
        this.lineStart = this.pos;
        return ""; // line continuation
      case CH_LF:
      case CH_LS:
      case CH_PS:
        this.line++;
        this.lineStart = this.pos;
        return "";
    }
    if (c >= CH_1 && c <= CH_7) {
      this.report(escapeStart, "Octal escape sequences are not allowed");
      return "";
    }
    // Identity escape: `\"`, `\\`, `\$`, and (as in JavaScript) any other character.
    if (c >= 0xd800 && c <= 0xdbff && this.pos < text.length) {
      this.pos++;
      return text.slice(this.pos - 2, this.pos);
    }
    return String.fromCharCode(c);
  }

  private scanUnicodeEscape(escapeStart: number): string {
    const text = this.text;
    if (text.charCodeAt(this.pos) === CH_LBRACE) {
      this.pos++;
      const value = this.scanHexDigits(1, 6);
      if (value < 0 || text.charCodeAt(this.pos) !== CH_RBRACE) {
        this.report(escapeStart, "Invalid Unicode escape sequence");
        return "";
      }
      this.pos++;
      if (value > 0x10ffff) {
        this.report(escapeStart, "An extended Unicode escape value must be between 0x0 and 0x10FFFF inclusive");
        return "";
      }
      return String.fromCodePoint(value);
    }
    const value = this.scanHexDigits(4, 4);
    if (value < 0) {
      this.report(escapeStart, "Hexadecimal digit expected");
      return "";
    }
    return String.fromCharCode(value);
  }

  /** Reads min..max hex digits; -1 if fewer than `min`. */
  private scanHexDigits(min: number, max: number): number {
    let value = 0;
    let count = 0;
    while (count < max) {
      const d = hexValue(this.text.charCodeAt(this.pos));
      if (d < 0) break;
      value = value * 16 + d;
      count++;
      this.pos++;
    }
    return count < min ? -1 : value;
  }

  // ------------------------------------------------------------------ templates

  /** Scans template text after `` ` `` (head) or after the `}` closing a substitution. */
  private scanTemplate(isHead: boolean): void {
    const text = this.text;
    const len = text.length;
    let chunkStart = this.pos;
    let cooked = "";
    for (;;) {
      if (this.pos >= len) {
        // Point at the template's opening backtick, not at the `}` this part started from.
        // One report covers every template still open at end of file.
        const open = this.openTemplates.length > 0 ? this.openTemplates[0] : { line: this.tokLine, col: this.tokCol };
        this.openTemplates.length = 0;
        this.diagnostics.push({ file: this.file, line: open.line, column: open.col, message: "Unterminated template literal" });
        this.flaggedTokenStarts.add(this.tokStart);
        cooked += text.slice(chunkStart, this.pos);
        this.push(isHead ? TokenKind.Template : TokenKind.TemplateTail, cooked);
        return;
      }
      const c = text.charCodeAt(this.pos);
      if (c === CH_BACKTICK) {
        cooked += text.slice(chunkStart, this.pos);
        this.pos++;
        if (!isHead) this.openTemplates.pop();
        this.push(isHead ? TokenKind.Template : TokenKind.TemplateTail, cooked);
        return;
      }
      if (c === CH_DOLLAR && text.charCodeAt(this.pos + 1) === CH_LBRACE) {
        cooked += text.slice(chunkStart, this.pos);
        this.pos += 2;
        this.braces.push(BRACE_TEMPLATE);
        if (isHead) this.openTemplates.push({ line: this.tokLine, col: this.tokCol });
        this.push(isHead ? TokenKind.TemplateHead : TokenKind.TemplateMiddle, cooked);
        return;
      }
      if (c === CH_BACKSLASH) {
        cooked += text.slice(chunkStart, this.pos) + this.scanEscape();
        chunkStart = this.pos;
        continue;
      }
      if (isLineTerminator(c)) {
        // Template text keeps its line breaks; CRLF is normalised to LF as in JavaScript.
        cooked += text.slice(chunkStart, this.pos) + (c === CH_CR ? "\n" : text[this.pos]);
        this.newline();
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }
}

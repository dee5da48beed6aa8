import { strict as assert } from "assert";
import { tokenize } from "../../runtime/compiler/lexer";
import { Token, TokenKind } from "../../runtime/compiler/token";

function lex(text: string): Token[] {
  const r = tokenize(text, "t.raya");
  assert.deepEqual(r.diagnostics, [], `unexpected diagnostics for ${JSON.stringify(text)}`);
  return r.tokens;
}
function values(text: string): string[] {
  return lex(text).slice(0, -1).map((t) => t.value);
}
function errors(text: string): string[] {
  return tokenize(text, "t.raya").diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
}

describe("lexer", () => {
  it("ends with an EOF token, also for empty input", () => {
    const tokens = lex("");
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0].kind, TokenKind.EOF);
  });

  it("separates identifiers, keywords and contextual words", () => {
    const tokens = lex("let async type x $y _z if");
    assert.deepEqual(tokens.map((t) => t.kind), [
      TokenKind.Keyword, TokenKind.Identifier, TokenKind.Identifier, TokenKind.Identifier,
      TokenKind.Identifier, TokenKind.Identifier, TokenKind.Keyword, TokenKind.EOF,
    ]);
    assert.deepEqual(values("let async type x $y _z if"), ["let", "async", "type", "x", "$y", "_z", "if"]);
  });

  it("accepts unicode identifiers", () => {
    assert.deepEqual(values("café π"), ["café", "π"]);
  });

  it("reads the longest punctuator", () => {
    assert.deepEqual(
      values("=== !== == != => ... ?. ?? ??= **= ** && &&= || ||= << <<= <= ++ -- += %= ^= |= &= ~"),
      ["===", "!==", "==", "!=", "=>", "...", "?.", "??", "??=", "**=", "**", "&&", "&&=", "||", "||=",
        "<<", "<<=", "<=", "++", "--", "+=", "%=", "^=", "|=", "&=", "~"],
    );
  });

  it("always emits '>' alone so nested type arguments close cleanly", () => {
    assert.deepEqual(values("a>>>=b >= c"), ["a", ">", ">", ">", "=", "b", ">", "=", "c"]);
  });

  it("does not read '?.' before a digit (a?.5:b is a conditional)", () => {
    assert.deepEqual(values("a?.5:b"), ["a", "?", ".5", ":", "b"]);
  });

  it("records 1-based line, column, offsets and newlineBefore", () => {
    const tokens = lex("let x\n  = 10;\r\n\ty");
    const [let_, x, eq, ten, semi, y] = tokens;
    assert.deepEqual([let_.line, let_.col, let_.start, let_.end], [1, 1, 0, 3]);
    assert.deepEqual([x.line, x.col, x.newlineBefore], [1, 5, false]);
    assert.deepEqual([eq.line, eq.col, eq.newlineBefore], [2, 3, true]);
    assert.deepEqual([ten.line, ten.col, ten.start, ten.end], [2, 5, 10, 12]);
    assert.equal(semi.newlineBefore, false);
    assert.deepEqual([y.line, y.col, y.newlineBefore], [3, 2, true]);
  });

  it("skips comments; a multi-line block comment counts as a newline", () => {
    const tokens = lex("a // x\n/* y\n z */ b /* c */ d");
    assert.deepEqual(tokens.slice(0, -1).map((t) => t.value), ["a", "b", "d"]);
    assert.deepEqual([tokens[1].line, tokens[1].col, tokens[1].newlineBefore], [3, 7, true]);
    assert.equal(tokens[2].newlineBefore, false);
  });

  describe("numbers", () => {
    function num(text: string): Token {
      const t = lex(text)[0];
      assert.equal(t.kind, TokenKind.Number);
      return t;
    }
    it("reads decimal, fraction and exponent forms", () => {
      assert.deepEqual([num("42").num, num("42").isInt], [42, true]);
      assert.deepEqual([num("1.5").num, num("1.5").isInt], [1.5, false]);
      assert.deepEqual([num(".5").num, num(".5").isInt], [0.5, false]);
      assert.deepEqual([num("1e3").num, num("1e3").isInt], [1000, false]);
      assert.equal(num("2.5E-2").num, 0.025);
      assert.equal(num("1.0").isInt, false);
    });
    it("reads hex, binary, octal and separators", () => {
      assert.equal(num("0xFF").num, 255);
      assert.equal(num("0b1010").num, 10);
      assert.equal(num("0o17").num, 15);
      assert.equal(num("1_000_000").num, 1000000);
      assert.equal(num("0xFF_FF").num, 65535);
      assert.equal(num("1_000").value, "1_000");
    });
    it("marks isInt only for values that fit int32", () => {
      assert.equal(num("2147483647").isInt, true);
      assert.equal(num("2147483648").isInt, false);
      assert.equal(num("0xFFFFFFFF").isInt, false);
      assert.equal(num("0x7FFFFFFF").isInt, true);
    });
    it("reports bad numbers", () => {
      assert.deepEqual(errors("0x"), ["1:1 Hexadecimal digit expected"]);
      assert.deepEqual(errors("0b"), ["1:1 Binary digit expected"]);
      assert.deepEqual(errors("1__0"), ["1:3 Multiple consecutive numeric separators are not permitted"]);
      assert.deepEqual(errors("10_"), ["1:3 Numeric separators are not allowed here"]);
      assert.deepEqual(errors("1e"), ["1:3 Digit expected"]);
      assert.deepEqual(errors("3in"), ["1:2 An identifier or keyword cannot immediately follow a numeric literal"]);
      assert.deepEqual(errors("012"), ["1:1 Octal literals are not allowed; use the syntax '0o12'"]);
      assert.deepEqual(errors("10n"), ["1:3 BigInt literals are not supported"]);
    });
  });

  describe("strings", () => {
    function str(text: string): string {
      const t = lex(text)[0];
      assert.equal(t.kind, TokenKind.String);
      return t.value;
    }
    it("cooks escapes", () => {
      assert.equal(str(String.raw`"a\nb\t\"\\\'"`), "a\nb\t\"\\'");
      assert.equal(str(String.raw`'\x41\u0042\u{1F600}\0'`), "AB\u{1F600}\0");
      assert.equal(str(String.raw`"\q"`), "q");
      assert.equal(str('"a\\\nb"'), "ab");
    });
    it("keeps positions after a line continuation", () => {
      const tokens = lex('"a\\\nb" x');
      assert.deepEqual([tokens[1].line, tokens[1].col], [2, 4]);
    });
    it("reports unterminated strings and bad escapes", () => {
      assert.deepEqual(errors('let s = "abc'), ["1:9 Unterminated string literal"]);
      assert.deepEqual(errors('"abc\nlet x'), ["1:1 Unterminated string literal"]);
      assert.deepEqual(errors(String.raw`"\xZ1"`), ["1:2 Hexadecimal digit expected"]);
      assert.deepEqual(errors(String.raw`"\u12"`), ["1:2 Hexadecimal digit expected"]);
      assert.deepEqual(errors(String.raw`"\u{110000}"`), ["1:2 An extended Unicode escape value must be between 0x0 and 0x10FFFF inclusive"]);
      assert.deepEqual(errors(String.raw`"\1"`), ["1:2 Octal escape sequences are not allowed"]);
    });
    it("the line after an unterminated string still lexes", () => {
      const r = tokenize('"abc\nlet x', "t.raya");
      assert.deepEqual(r.tokens.map((t) => t.value), ["abc", "let", "x", ""]);
    });
  });

  describe("templates", () => {
    it("lexes a template without substitutions as one token", () => {
      const [t] = lex("`a\\n${'$'}`".replace("${'$'}", "$"));
      assert.equal(t.kind, TokenKind.Template);
      assert.equal(t.value, "a\n$");
    });
    it("splits head, middle and tail around substitutions", () => {
      const tokens = lex("`a${x}b${y}c`");
      assert.deepEqual(tokens.map((t) => [t.kind, t.value]), [
        [TokenKind.TemplateHead, "a"], [TokenKind.Identifier, "x"], [TokenKind.TemplateMiddle, "b"],
        [TokenKind.Identifier, "y"], [TokenKind.TemplateTail, "c"], [TokenKind.EOF, ""],
      ]);
    });
    it("handles braces and nested templates inside substitutions", () => {
      const tokens = lex("`a${ {k: `in${v}ner`}.k }z`");
      assert.deepEqual(tokens.map((t) => t.value), ["a", "{", "k", ":", "in", "v", "ner", "}", ".", "k", "z", ""]);
      assert.equal(tokens[10].kind, TokenKind.TemplateTail);
    });
    it("keeps line breaks in template text and counts lines", () => {
      const tokens = lex("`a\r\nb` x");
      assert.equal(tokens[0].value, "a\nb");
      assert.deepEqual([tokens[1].line, tokens[1].col], [2, 4]);
    });
    it("reports unterminated templates and comments", () => {
      assert.deepEqual(errors("`abc"), ["1:1 Unterminated template literal"]);
      assert.deepEqual(errors("x /* abc\n"), ["1:3 Unterminated comment"]);
    });
  });

  it("skips a #! line at the start of the file", () => {
    const tokens = lex("#!/usr/bin/env raya\nx");
    assert.deepEqual([tokens[0].value, tokens[0].line, tokens[0].newlineBefore], ["x", 2, true]);
    assert.deepEqual(errors("x\n#!y"), ["2:1 Invalid character '#'"]);
  });

  it("reports invalid characters and continues", () => {
    const r = tokenize("a # b", "t.raya");
    assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`), ["1:3 Invalid character '#'"]);
    assert.deepEqual(r.tokens.map((t) => t.value), ["a", "b", ""]);
  });

  it("lexes a large input quickly", () => {
    const line = "let value_1 = obj.method(`t${x}`, 0x1F, 'str\\n') + 3.5e2; // comment\n";
    const text = line.repeat(20000);
    const start = Date.now();
    const r = tokenize(text, "big.raya");
    const elapsed = Date.now() - start;
    assert.equal(r.diagnostics.length, 0);
    assert.equal(r.tokens.length, 20000 * 18 + 1);
    assert.ok(elapsed < 3000, `took ${elapsed}ms`); // generous: CI machines are shared
  });
});

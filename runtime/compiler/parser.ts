// Tokens → SourceFile. Hand-written recursive descent with precedence climbing for binary
// operators and bounded speculation (arrow heads, call type arguments, function types).
//
// Error recovery, tuned for the language server:
// * the first error in a statement is reported; later ones in the same statement are
//   suppressed (they are nearly always consequences of the first), and no two errors are
//   reported at the same token;
// * after a statement with an error, tokens are skipped to a `;`, a `}` at the same
//   nesting, or a statement keyword starting a new line;
// * comma-separated lists skip a bad element up to the next `,` or closing bracket;
// * missing pieces become ErrorExpr / ErrorStmt nodes, a missing name becomes an empty
//   string (IdentifierPattern "" or TypeRef ""), so the tree is always complete.
import type * as A from "./ast";
import type { Diagnostic } from "./diagnostics";
import { tokenize } from "./lexer";
import { describeToken, Token, TokenKind } from "./token";

export function parse(text: string, file: string): { ast: A.SourceFile; diagnostics: Diagnostic[] } {
  const lexed = tokenize(text, file);
  const parser = new Parser(lexed.tokens, lexed.flaggedTokenStarts, file);
  const body = parser.parseSourceFile();
  const diagnostics = lexed.diagnostics.concat(parser.diagnostics);
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ast: { kind: "SourceFile", file, text, body }, diagnostics };
}

/** Thrown inside speculation on the first error; the speculation is then rolled back. */
const SPECULATION_FAILED = { speculationFailed: true };
/** Thrown when nesting exceeds MAX_DEPTH, so hostile input cannot overflow the JS stack. */
const TOO_DEEP = { tooDeep: true };
const MAX_DEPTH = 200;

const BINARY_PRECEDENCE: ReadonlyMap<string, number> = new Map([
  ["??", 1], ["||", 2], ["&&", 3], ["|", 4], ["^", 5], ["&", 6],
  ["==", 7], ["!=", 7], ["===", 7], ["!==", 7],
  ["<", 8], ["<=", 8], [">", 8], [">=", 8], ["instanceof", 8], ["in", 8],
  ["<<", 9], [">>", 9], [">>>", 9],
  ["+", 10], ["-", 10],
  ["*", 11], ["/", 11], ["%", 11],
  ["**", 12],
]);
const AS_PRECEDENCE = 8;

const ASSIGN_OPS: ReadonlySet<string> = new Set([
  "=", "+=", "-=", "*=", "/=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>=", ">>>=", "&&=", "||=", "??=",
]);

const STATEMENT_KEYWORDS: ReadonlySet<string> = new Set([
  "let", "const", "var", "function", "class", "if", "for", "while", "do", "return", "break",
  "continue", "throw", "try", "switch", "import", "export",
]);
const MODIFIERS: ReadonlySet<string> = new Set([
  "public", "private", "protected", "static", "readonly", "abstract", "async", "declare", "override",
]);

interface Modifiers {
  start: Token;
  exported: boolean;
  declared: boolean;
}

/** A construct that is only valid if the enclosing literal turns out to be a pattern. */
interface CoverError {
  node: object;
  token: Token;
  message: string;
}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private pos = 0;
  private t: Token;
  private speculating = 0;
  /** Set by the first error of a statement; suppresses the rest of that statement's errors. */
  private recovering = false;
  private lastErrorStart = -1;
  /** Errors seen (reported or suppressed): a statement that raised one needs synchronising. */
  private errorCount = 0;
  private depth = 0;
  /** Array holes and `{ a = 1 }` initialisers, pending until we know whether they are patterns. */
  private coverErrors: CoverError[] = [];
  /** Token indexes where an arrow head was tried and failed: nested `(a = (b = (...` would
   *  otherwise re-speculate every inner level from every outer one (exponential time). */
  private readonly notArrowAt = new Set<number>();

  constructor(
    private readonly tokens: Token[],
    private readonly flaggedTokenStarts: ReadonlySet<number>,
    private readonly file: string,
  ) {
    this.t = tokens[0];
  }

  // ================================================================== token helpers

  private peek(n = 1): Token {
    const i = this.pos + n;
    return this.tokens[i < this.tokens.length ? i : this.tokens.length - 1];
  }
  private next(): Token {
    const t = this.t;
    if (t.kind !== TokenKind.EOF) {
      this.pos++;
      this.t = this.tokens[this.pos];
    }
    return t;
  }
  private reset(pos: number): void {
    this.pos = pos;
    this.t = this.tokens[pos];
  }
  private isP(value: string, t: Token = this.t): boolean {
    return t.kind === TokenKind.Punct && t.value === value;
  }
  private isK(value: string, t: Token = this.t): boolean {
    return t.kind === TokenKind.Keyword && t.value === value;
  }
  private isId(value: string, t: Token = this.t): boolean {
    return t.kind === TokenKind.Identifier && t.value === value;
  }
  private atEOF(): boolean {
    return this.t.kind === TokenKind.EOF;
  }
  private eatP(value: string): boolean {
    if (!this.isP(value)) return false;
    this.next();
    return true;
  }
  private expectP(value: string): boolean {
    if (this.eatP(value)) return true;
    this.errorExpected(`'${value}'`);
    return false;
  }
  /** Identifier name: identifiers and keywords (after `.`, as property keys). */
  private isIdentifierName(t: Token = this.t): boolean {
    return t.kind === TokenKind.Identifier || t.kind === TokenKind.Keyword;
  }
  /** Property names in classes, object literals and object types. */
  private isPropertyName(t: Token = this.t): boolean {
    return this.isIdentifierName(t) || t.kind === TokenKind.String || t.kind === TokenKind.Number;
  }

  // ================================================================== diagnostics

  private error(message: string, t: Token = this.t): void {
    if (this.speculating > 0) throw SPECULATION_FAILED;
    this.errorCount++;
    if (this.recovering || t.start === this.lastErrorStart) return;
    this.recovering = true;
    this.lastErrorStart = t.start;
    // The lexer already explained what is wrong with this token (e.g. an unterminated string).
    if (t.kind !== TokenKind.EOF && this.flaggedTokenStarts.has(t.start)) return;
    this.report(message, t);
  }
  private report(message: string, t: Token): void {
    const d: Diagnostic = { file: this.file, line: t.line, column: t.col, message };
    if (t.kind !== TokenKind.EOF) {
      d.endLine = t.line;
      d.endColumn = t.col + (t.end - t.start);
    }
    this.diagnostics.push(d);
  }
  private errorExpected(what: string): void {
    this.error(`Expected ${what} but found ${describeToken(this.t)}`);
  }
  private fail(): never {
    throw SPECULATION_FAILED;
  }

  /** Runs `fn` with errors turned into rollback; undefined if it failed. */
  private tryParse<T>(fn: () => T): T | undefined {
    const savedPos = this.pos;
    const savedCover = this.coverErrors.length;
    this.speculating++;
    try {
      return fn();
    } catch (e) {
      if (e !== SPECULATION_FAILED) throw e;
      this.reset(savedPos);
      this.coverErrors.length = savedCover;
      return undefined;
    } finally {
      this.speculating--;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      if (this.speculating > 0) throw SPECULATION_FAILED;
      throw TOO_DEEP;
    }
  }

  // ================================================================== locations

  private prevEnd(): number {
    return this.pos > 0 ? this.tokens[this.pos - 1].end : 0;
  }
  /** Location from `start` to the end of the last consumed token. */
  private loc(start: Token): A.NodeBase {
    const end = this.prevEnd();
    return { file: this.file, line: start.line, col: start.col, start: start.start, end: end > start.start ? end : start.start };
  }
  private locFrom(node: A.NodeBase): A.NodeBase {
    const end = this.prevEnd();
    return { file: this.file, line: node.line, col: node.col, start: node.start, end: end > node.start ? end : node.start };
  }
  private errorExpr(t: Token = this.t): A.ErrorExpr {
    return { kind: "ErrorExpr", file: this.file, line: t.line, col: t.col, start: t.start, end: t.start };
  }
  private errorType(t: Token = this.t): A.TypeRef {
    return { kind: "TypeRef", file: this.file, line: t.line, col: t.col, start: t.start, end: t.start, name: "", typeArgs: [] };
  }

  // ================================================================== statements

  parseSourceFile(): A.Stmt[] {
    const body: A.Stmt[] = [];
    try {
      this.parseStatementsInto(body, () => false);
    } catch (e) {
      if (e !== TOO_DEEP) {
        // A parser bug must not take the language server down: report it at the current token.
        this.report(`Internal parser error: ${e instanceof Error ? e.message : String(e)}`, this.t);
      } else {
        this.report("Nesting is too deep", this.t);
      }
    }
    for (const c of this.coverErrors) {
      this.recovering = false;
      this.error(c.message, c.token);
    }
    return body;
  }

  /** Parses statements until `}` (when `stopAt` says so) or end of file. */
  private parseStatementsInto(body: A.Stmt[], stopAt: () => boolean): void {
    while (!this.atEOF() && !stopAt()) {
      const startPos = this.pos;
      const errorsBefore = this.errorCount;
      this.recovering = false;
      body.push(this.parseStatement());
      if (this.errorCount !== errorsBefore) this.synchronize(startPos);
      if (this.pos === startPos) {
        // No progress: the token cannot start a statement. Skip it so we cannot loop.
        this.error(`Unexpected token ${describeToken(this.t)}`);
        this.next();
      }
      this.recovering = false;
    }
  }

  private parseBlockBody(): A.Stmt[] {
    const body: A.Stmt[] = [];
    this.parseStatementsInto(body, () => this.isP("}"));
    return body;
  }

  /** Skips the rest of a broken statement. */
  private synchronize(startPos: number): void {
    const prev = this.tokens[this.pos - 1];
    if (this.pos > startPos && prev && (this.isP(";", prev) || this.isP("}", prev))) return;
    let depth = 0;
    for (;;) {
      const t = this.t;
      if (t.kind === TokenKind.EOF) return;
      if (depth === 0) {
        if (this.isP(";")) {
          this.next();
          return;
        }
        if (this.isP("}") || this.isK("case") || this.isK("default")) return;
        if (t.newlineBefore && this.startsStatementAfterError(t)) return;
      }
      if (t.kind === TokenKind.Punct) {
        const v = t.value;
        if (v === "{" || v === "(" || v === "[") depth++;
        else if ((v === "}" || v === ")" || v === "]") && depth > 0) depth--;
      } else if (t.kind === TokenKind.TemplateHead) depth++;
      else if (t.kind === TokenKind.TemplateTail && depth > 0) depth--;
      this.next();
    }
  }
  private startsStatementAfterError(t: Token): boolean {
    return t.kind === TokenKind.Identifier || (t.kind === TokenKind.Keyword && STATEMENT_KEYWORDS.has(t.value));
  }

  private consumeSemicolon(): void {
    if (this.eatP(";")) return;
    if (this.isP("}") || this.atEOF() || this.t.newlineBefore) return;
    this.errorExpected("';'");
  }

  private parseStatement(): A.Stmt {
    this.enter();
    try {
      return this.parseStatementInner();
    } finally {
      this.depth--;
    }
  }

  private parseStatementInner(): A.Stmt {
    const t = this.t;
    const mods: Modifiers = { start: t, exported: false, declared: false };
    if (t.kind === TokenKind.Punct) {
      if (t.value === "{") return this.parseBlock();
      if (t.value === ";") {
        this.next();
        return { kind: "Empty", ...this.loc(t) };
      }
    } else if (t.kind === TokenKind.Keyword) {
      switch (t.value) {
        case "if": return this.parseIf();
        case "for": return this.parseFor();
        case "while": return this.parseWhile();
        case "do": return this.parseDoWhile();
        case "return": return this.parseReturn();
        case "break":
        case "continue": return this.parseBreakContinue();
        case "throw": return this.parseThrow();
        case "try": return this.parseTry();
        case "switch": return this.parseSwitch();
        case "import": return this.parseImport();
        case "export": return this.parseExport();
        case "let": case "const": case "var": case "function": case "class":
          return this.parseDeclaration(mods);
        case "enum": case "debugger": case "with":
          this.error(`'${t.value}' is not supported`);
          this.next();
          return { kind: "ErrorStmt", ...this.loc(t) };
      }
    } else if (t.kind === TokenKind.Identifier) {
      if (this.startsContextualDeclaration()) return this.parseDeclaration(mods);
      if (this.isId("declare") && this.startsDeclaredDeclaration()) {
        this.next();
        mods.declared = true;
        return this.parseDeclaration(mods);
      }
      if (this.isP(":", this.peek())) return this.parseLabeled();
    }
    return this.parseExpressionStatement();
  }

  /** `async function`, `abstract class`, `type X`, `interface X` at the current token. */
  private startsContextualDeclaration(): boolean {
    const n = this.peek();
    if (n.newlineBefore) return false;
    switch (this.t.value) {
      case "async": return this.isK("function", n);
      case "abstract": return this.isK("class", n);
      case "type":
      case "interface": return n.kind === TokenKind.Identifier;
    }
    return false;
  }
  private startsDeclaredDeclaration(): boolean {
    const n = this.peek();
    if (n.newlineBefore) return false;
    if (n.kind === TokenKind.Keyword) return n.value === "function" || n.value === "class" || n.value === "const" || n.value === "let";
    return n.kind === TokenKind.Identifier && (n.value === "abstract" || n.value === "async" || n.value === "type" || n.value === "interface");
  }

  /** A declaration after any `export` / `declare` modifiers. */
  private parseDeclaration(mods: Modifiers): A.Stmt {
    const t = this.t;
    if (this.isK("let") || this.isK("const") || this.isK("var")) {
      const decl = this.parseVarDecl(mods, false);
      this.consumeSemicolon();
      decl.end = this.prevEnd();
      return decl;
    }
    if (this.isK("function")) return this.parseFunctionDecl(mods, false);
    if (this.isId("async") && this.isK("function", this.peek())) {
      this.next();
      return this.parseFunctionDecl(mods, true);
    }
    if (this.isK("class")) return this.parseClass(mods, false);
    if (this.isId("abstract") && this.isK("class", this.peek())) {
      this.next();
      return this.parseClass(mods, true);
    }
    if (this.isId("type")) return this.parseTypeAlias(mods);
    if (this.isId("interface")) return this.parseInterface(mods);
    this.errorExpected("a declaration");
    return { kind: "ErrorStmt", ...this.loc(t) };
  }

  private parseBlock(): A.Block {
    const start = this.t;
    // Without its `{`, do not swallow the rest of the file as the block's body.
    if (!this.expectP("{")) return { kind: "Block", ...this.loc(start), body: [] };
    const body = this.parseBlockBody();
    this.expectP("}");
    return { kind: "Block", ...this.loc(start), body };
  }

  private parseExpressionStatement(): A.Stmt {
    const start = this.t;
    const expression = this.parseExpression();
    this.consumeSemicolon();
    return { kind: "ExprStmt", ...this.loc(start), expression };
  }

  private parseLabeled(): A.LabeledStmt {
    const start = this.next();
    this.next(); // ':'
    const body = this.parseStatement();
    return { kind: "Labeled", ...this.loc(start), label: start.value, body };
  }

  private parseIf(): A.IfStmt {
    const start = this.next();
    const test = this.parseParenthesizedCondition();
    const consequent = this.parseStatement();
    let alternate: A.Stmt | null = null;
    if (this.isK("else")) {
      this.next();
      alternate = this.parseStatement();
    }
    return { kind: "If", ...this.loc(start), test, consequent, alternate };
  }

  private parseParenthesizedCondition(): A.Expr {
    this.expectP("(");
    const test = this.parseExpression();
    this.expectP(")");
    return test;
  }

  private parseWhile(): A.WhileStmt {
    const start = this.next();
    const test = this.parseParenthesizedCondition();
    const body = this.parseStatement();
    return { kind: "While", ...this.loc(start), test, body };
  }

  private parseDoWhile(): A.DoWhileStmt {
    const start = this.next();
    const body = this.parseStatement();
    if (this.isK("while")) this.next();
    else this.errorExpected("'while'");
    const test = this.parseParenthesizedCondition();
    this.eatP(";"); // optional even on the same line, as in JavaScript
    return { kind: "DoWhile", ...this.loc(start), body, test };
  }

  private parseFor(): A.Stmt {
    const start = this.next();
    this.expectP("(");
    let init: A.VarDecl | A.Expr | null = null;
    if (this.isK("let") || this.isK("const") || this.isK("var")) {
      const declStart = this.t;
      const declKind = this.parseDeclKeyword();
      const target = this.parseBindingTarget();
      if (this.isId("of") || this.isK("in")) return this.parseForOfRest(start, declKind, target);
      init = this.parseVarDeclRest(
        { start: declStart, exported: false, declared: false }, declKind, target, true);
    } else if (!this.isP(";")) {
      const expr = this.parseExpression();
      if (this.isId("of")) return this.parseForOfRest(start, null, this.toForOfTarget(expr));
      if (expr.kind === "Binary" && expr.op === "in" && this.isP(")")) {
        const left = expr.left;
        const inTok = this.tokens.find((tok) => tok.start >= left.end && this.isK("in", tok));
        this.error("'for...in' is not supported; use 'for...of'", inTok ?? this.t);
      }
      init = expr;
    }
    this.expectP(";");
    const test = this.isP(";") ? null : this.parseExpression();
    this.expectP(";");
    const update = this.isP(")") ? null : this.parseExpression();
    this.expectP(")");
    const body = this.parseStatement();
    return { kind: "For", ...this.loc(start), init, test, update, body };
  }

  private parseForOfRest(start: Token, declKind: "let" | "const" | null, target: A.Pattern | A.Expr): A.ForOfStmt {
    if (this.isK("in")) this.error("'for...in' is not supported; use 'for...of'");
    this.next(); // `of`
    const iterable = this.parseAssignment();
    this.expectP(")");
    const body = this.parseStatement();
    return { kind: "ForOf", ...this.loc(start), declKind, target, iterable, body };
  }

  private toForOfTarget(expr: A.Expr): A.Pattern | A.Expr {
    if (expr.kind === "ArrayLiteral" || expr.kind === "ObjectLiteral") return this.toPattern(expr);
    if (!this.checkSimpleTarget(expr)) this.errorAtNode("The target of a 'for...of' loop must be a variable or a property access", expr);
    return expr;
  }

  private parseReturn(): A.ReturnStmt {
    const start = this.next();
    let argument: A.Expr | null = null;
    if (!this.isP(";") && !this.isP("}") && !this.atEOF() && !this.t.newlineBefore) {
      argument = this.parseExpression();
    }
    this.consumeSemicolon();
    return { kind: "Return", ...this.loc(start), argument };
  }

  private parseBreakContinue(): A.BreakStmt | A.ContinueStmt {
    const start = this.next();
    let label: string | null = null;
    if (this.t.kind === TokenKind.Identifier && !this.t.newlineBefore) label = this.next().value;
    this.consumeSemicolon();
    const kind = start.value === "break" ? "Break" : "Continue";
    return { kind, ...this.loc(start), label };
  }

  private parseThrow(): A.ThrowStmt {
    const start = this.next();
    let argument: A.Expr;
    if (this.t.newlineBefore) {
      this.error("Line break not permitted here");
      argument = this.errorExpr();
    } else {
      argument = this.parseExpression();
    }
    this.consumeSemicolon();
    return { kind: "Throw", ...this.loc(start), argument };
  }

  private parseTry(): A.TryStmt {
    const start = this.next();
    const block = this.parseBlock();
    let catchParam: A.Pattern | null = null;
    let catchBody: A.Block | null = null;
    let finallyBody: A.Block | null = null;
    if (this.isK("catch")) {
      this.next();
      if (this.eatP("(")) {
        catchParam = this.parseBindingTarget();
        if (this.isP(":")) {
          this.error("Catch clause variables cannot have a type annotation");
          this.next();
          this.parseType();
        }
        this.expectP(")");
      }
      catchBody = this.parseBlock();
    }
    if (this.isK("finally")) {
      this.next();
      finallyBody = this.parseBlock();
    }
    if (!catchBody && !finallyBody) this.errorExpected("'catch' or 'finally'");
    return { kind: "Try", ...this.loc(start), block, catchParam, catchBody, finallyBody };
  }

  private parseSwitch(): A.SwitchStmt {
    const start = this.next();
    const discriminant = this.parseParenthesizedCondition();
    const cases: A.SwitchCase[] = [];
    let sawDefault = false;
    if (this.expectP("{")) {
      const atCaseEnd = () => this.isP("}") || this.isK("case") || this.isK("default");
      while (!this.isP("}") && !this.atEOF()) {
        const caseStart = this.t;
        let test: A.Expr | null = null;
        this.recovering = false;
        if (this.isK("case")) {
          this.next();
          test = this.parseExpression();
        } else if (this.isK("default")) {
          if (sawDefault) this.error("A 'switch' statement can only have one 'default' clause");
          sawDefault = true;
          this.next();
        } else {
          this.errorExpected("'case' or 'default'");
          while (!atCaseEnd() && !this.atEOF()) this.next();
          continue;
        }
        this.expectP(":");
        const body: A.Stmt[] = [];
        this.parseStatementsInto(body, atCaseEnd);
        cases.push({ kind: "SwitchCase", ...this.loc(caseStart), test, body });
      }
      this.expectP("}");
    }
    return { kind: "Switch", ...this.loc(start), discriminant, cases };
  }

  // ------------------------------------------------------------------ import / export

  private parseImport(): A.Stmt {
    const start = this.next();
    const specifiers: A.ImportSpecifier[] = [];
    let namespace: string | null = null;
    // `import type { T }`: types and values share one import form in Raya.
    if (this.isId("type") && (this.isP("{", this.peek()) || this.isP("*", this.peek()))) this.next();
    if (this.t.kind === TokenKind.String) {
      // side-effect import: `import "./setup"`
    } else {
      if (this.eatP("*")) {
        this.expectContextual("as");
        namespace = this.parseIdentifierName();
      } else if (this.isP("{")) {
        this.parseList("{", "}", () => {
          const specStart = this.t;
          const imported = this.parseIdentifierName();
          const local = this.eatContextual("as") ? this.parseIdentifierName() : imported;
          specifiers.push({ kind: "ImportSpecifier", ...this.loc(specStart), imported, local });
        });
      } else if (this.t.kind === TokenKind.Identifier) {
        this.error("Default imports are not supported; use 'import { name }' or 'import * as name'");
        this.next();
      } else {
        this.errorExpected("'{' or '*'");
      }
      this.expectContextual("from");
    }
    const sourceTok = this.t;
    let source = "";
    if (sourceTok.kind === TokenKind.String) source = this.next().value;
    else this.errorExpected("a module name string");
    this.consumeSemicolon();
    return {
      kind: "Import", ...this.loc(start), specifiers, namespace, source,
      sourceLine: sourceTok.line, sourceCol: sourceTok.col,
    };
  }

  private parseExport(): A.Stmt {
    const start = this.next();
    // `export type { T }`: types and values share one export form in Raya.
    if (this.isId("type") && this.isP("{", this.peek())) this.next();
    if (this.isP("{")) {
      const specifiers: A.ExportSpecifier[] = [];
      this.parseList("{", "}", () => {
        const specStart = this.t;
        const local = this.parseIdentifierName();
        const exported = this.eatContextual("as") ? this.parseIdentifierName() : local;
        specifiers.push({ kind: "ExportSpecifier", ...this.loc(specStart), local, exported });
      });
      if (this.isId("from")) {
        this.error("Re-exports ('export { ... } from') are not supported");
        this.next();
        if (this.t.kind === TokenKind.String) this.next();
      }
      this.consumeSemicolon();
      return { kind: "ExportNamed", ...this.loc(start), specifiers };
    }
    if (this.isK("default") || this.isP("*") || this.isP("=")) {
      this.error(this.isK("default") ? "Default exports are not supported" : "This form of 'export' is not supported");
      return { kind: "ErrorStmt", ...this.loc(start) };
    }
    const mods: Modifiers = { start, exported: true, declared: false };
    if (this.isId("declare") && this.startsDeclaredDeclaration()) {
      this.next();
      mods.declared = true;
    }
    return this.parseDeclaration(mods);
  }

  // ------------------------------------------------------------------ variable declarations

  private parseDeclKeyword(): "let" | "const" {
    const t = this.next();
    if (t.value === "var") {
      this.error("'var' is not supported; use 'let' or 'const'", t);
      return "let";
    }
    return t.value as "let" | "const";
  }

  private parseVarDecl(mods: Modifiers, inFor: boolean): A.VarDecl {
    const declKind = this.parseDeclKeyword();
    const target = this.parseBindingTarget();
    return this.parseVarDeclRest(mods, declKind, target, inFor);
  }

  /** The declaration list after its first binding target. */
  private parseVarDeclRest(mods: Modifiers, declKind: "let" | "const", firstTarget: A.Pattern, inFor: boolean): A.VarDecl {
    const declarations: A.VarDeclarator[] = [];
    let target = firstTarget;
    for (;;) {
      let type: A.TypeNode | null = null;
      let init: A.Expr | null = null;
      if (this.eatP(":")) type = this.parseType();
      if (this.isP("=")) {
        const eq = this.next();
        init = this.parseAssignment();
        if (mods.declared) this.error("Initializers are not allowed in ambient contexts", eq);
      } else if (!mods.declared && !inFor) {
        if (target.kind !== "IdentifierPattern") this.error("A destructuring declaration must have an initializer");
        else if (declKind === "const") this.error("'const' declarations must be initialized");
      }
      declarations.push({ kind: "VarDeclarator", ...this.locFrom(target), target, type, init });
      if (!this.eatP(",")) break;
      target = this.parseBindingTarget();
    }
    return {
      kind: "VarDecl", ...this.loc(mods.start), declKind, declarations,
      exported: mods.exported, declared: mods.declared,
    };
  }

  // ------------------------------------------------------------------ patterns

  private parseBindingTarget(): A.Pattern {
    if (this.isP("[") || this.isP("{")) {
      this.enter();
      try {
        return this.isP("[") ? this.parseArrayBindingPattern() : this.parseObjectBindingPattern();
      } finally {
        this.depth--;
      }
    }
    const t = this.t;
    const name = this.parseBindingIdentifier();
    return { kind: "IdentifierPattern", ...this.loc(t), name };
  }

  /** A declared name; reserved words are refused. Returns "" (after reporting) on error. */
  private parseBindingIdentifier(): string {
    if (this.t.kind === TokenKind.Identifier) return this.next().value;
    if (this.t.kind === TokenKind.Keyword) {
      this.error(`'${this.t.value}' is a reserved word and cannot be used as a name`);
      if (!this.t.newlineBefore && !STATEMENT_KEYWORDS.has(this.t.value)) return this.next().value;
      return "";
    }
    this.errorExpected("an identifier");
    return "";
  }

  private parseArrayBindingPattern(): A.ArrayPattern {
    const start = this.next(); // '['
    const elements: (A.ArrayPatternElement | null)[] = [];
    let rest: A.Pattern | null = null;
    while (!this.isP("]") && !this.atEOF()) {
      if (this.isP(",")) {
        this.next();
        elements.push(null);
        continue;
      }
      if (this.eatP("...")) {
        rest = this.parseBindingTarget();
        if (this.isP(",")) this.error("A rest element must be last in a destructuring pattern");
        break;
      }
      const elStart = this.t;
      const target = this.parseBindingTarget();
      const dflt = this.eatP("=") ? this.parseAssignment() : null;
      elements.push({ kind: "ArrayPatternElement", ...this.loc(elStart), target, default: dflt });
      if (this.isP("]")) break;
      if (!this.expectP(",") && !this.skipListGarbage("]")) break;
    }
    this.expectP("]");
    return { kind: "ArrayPattern", ...this.loc(start), elements, rest };
  }

  private parseObjectBindingPattern(): A.ObjectPattern {
    const start = this.next(); // '{'
    const properties: A.ObjectPatternProperty[] = [];
    let rest: A.IdentifierPattern | null = null;
    while (!this.isP("}") && !this.atEOF()) {
      if (this.eatP("...")) {
        const restTok = this.t;
        rest = { kind: "IdentifierPattern", ...this.loc(restTok), name: this.parseBindingIdentifier() };
        rest.end = this.prevEnd();
        if (this.isP(",")) this.error("A rest element must be last in a destructuring pattern");
        break;
      }
      const propStart = this.t;
      const key = this.parsePropertyKey();
      let target: A.Pattern;
      if (this.eatP(":")) {
        target = this.parseBindingTarget();
      } else {
        if (propStart.kind !== TokenKind.Identifier) this.errorExpected("':'");
        target = { kind: "IdentifierPattern", ...this.loc(propStart), name: key };
      }
      const dflt = this.eatP("=") ? this.parseAssignment() : null;
      properties.push({ kind: "ObjectPatternProperty", ...this.loc(propStart), key, target, default: dflt });
      if (this.isP("}")) break;
      if (!this.expectP(",") && !this.skipListGarbage("}")) break;
    }
    this.expectP("}");
    return { kind: "ObjectPattern", ...this.loc(start), properties, rest };
  }

  /** Identifier, keyword, string or number key, as written (numbers in canonical form). */
  private parsePropertyKey(): string {
    const t = this.t;
    if (this.isIdentifierName(t) || t.kind === TokenKind.String) return this.next().value;
    if (t.kind === TokenKind.Number) return String(this.next().num);
    if (this.isP("[")) this.error("Computed property names are not supported");
    else this.errorExpected("a property name");
    return "";
  }

  // ------------------------------------------------------------------ lists

  /**
   * Parses `open item (, item)* ,? close`. `item` must consume at least one token or report.
   * On a bad token the list skips to the next `,` or `close`.
   */
  private parseList(open: string, close: string, item: () => void): void {
    if (!this.expectP(open)) return;
    while (!this.isP(close) && !this.atEOF()) {
      const before = this.pos;
      item();
      if (this.isP(close)) break;
      if (this.eatP(",")) continue;
      this.errorExpected(this.endsList(close) ? `'${close}'` : `',' or '${close}'`);
      if (!this.skipListGarbage(close) || this.pos === before) break;
    }
    this.expectP(close);
  }

  /** The current token cannot continue a list closed by `close`: the closer itself is missing. */
  private endsList(close: string): boolean {
    const t = this.t;
    if (t.kind === TokenKind.EOF || this.isP(";")) return true;
    if (t.kind === TokenKind.Punct && (t.value === ")" || t.value === "]" || t.value === "}") && t.value !== close) return true;
    return t.newlineBefore && t.kind === TokenKind.Keyword && STATEMENT_KEYWORDS.has(t.value);
  }

  /**
   * Skips tokens after an error inside a list. True when it stopped at `,` (consumed) or at
   * `close`, false when the list looks abandoned (statement boundary or EOF).
   */
  private skipListGarbage(close: string): boolean {
    let depth = 0;
    for (;;) {
      const t = this.t;
      if (t.kind === TokenKind.EOF) return false;
      if (depth === 0) {
        if (this.isP(",")) {
          this.next();
          return true;
        }
        if (this.isP(close)) return true;
        if (this.isP(";") || (close !== "}" && this.isP("}"))) return false;
        // `function f(x: int {`: the `{` most likely opens the body, keep it for the caller.
        if (close === ")" && this.isP("{")) return false;
        if (t.newlineBefore && t.kind === TokenKind.Keyword && STATEMENT_KEYWORDS.has(t.value)) return false;
      }
      if (t.kind === TokenKind.Punct) {
        const v = t.value;
        if (v === "{" || v === "(" || v === "[") depth++;
        else if (v === "}" || v === ")" || v === "]") {
          if (depth === 0) return false;
          depth--;
        }
      } else if (t.kind === TokenKind.TemplateHead) depth++;
      else if (t.kind === TokenKind.TemplateTail && depth > 0) depth--;
      this.next();
    }
  }

  // ------------------------------------------------------------------ contextual words

  private eatContextual(word: string): boolean {
    if (!this.isId(word)) return false;
    this.next();
    return true;
  }
  private expectContextual(word: string): void {
    if (!this.eatContextual(word)) this.errorExpected(`'${word}'`);
  }
  private parseIdentifierName(): string {
    if (this.isIdentifierName()) return this.next().value;
    this.errorExpected("an identifier");
    return "";
  }

  // ================================================================== functions

  private parseFunctionDecl(mods: Modifiers, isAsync: boolean): A.FunctionDecl {
    this.next(); // `function`
    const name = this.parseBindingIdentifier();
    const typeParams = this.parseOptionalTypeParams();
    const params = this.parseParams(false);
    const returnType = this.parseOptionalReturnType();
    let body: A.Block | null = null;
    if (mods.declared) {
      if (this.isP("{")) this.error("An implementation cannot be declared in ambient contexts");
      this.consumeSemicolon();
    } else {
      body = this.parseFunctionBody();
    }
    return {
      kind: "FunctionDecl", ...this.loc(mods.start), name, typeParams, params, returnType,
      async: isAsync, body, exported: mods.exported, declared: mods.declared,
    };
  }

  /** A function body; `{` is required (overload signatures are not supported). */
  private parseFunctionBody(): A.Block {
    if (!this.isP("{")) {
      this.errorExpected("'{'");
      const t = this.t;
      return { kind: "Block", ...this.loc(t), body: [] };
    }
    return this.parseBlock();
  }

  private parseOptionalReturnType(): A.TypeNode | null {
    return this.eatP(":") ? this.parseType() : null;
  }

  private parseParams(allowProperties: boolean): A.Param[] {
    const params: A.Param[] = [];
    this.parseList("(", ")", () => params.push(this.parseParam(allowProperties)));
    return params;
  }

  private parseParam(allowProperties: boolean): A.Param {
    const start = this.t;
    let accessibility: A.Accessibility | null = null;
    let readonly = false;
    while (this.t.kind === TokenKind.Identifier && this.isParamModifier(this.t.value) && this.modifierApplies()) {
      const mod = this.next();
      if (!allowProperties) this.error("A parameter property is only allowed in a constructor implementation", mod);
      if (mod.value === "readonly") readonly = true;
      else accessibility = mod.value as A.Accessibility;
    }
    const rest = this.eatP("...");
    const pattern = this.parseBindingTarget();
    const optional = this.eatP("?");
    const type = this.eatP(":") ? this.parseType() : null;
    const dflt = this.eatP("=") ? this.parseAssignment() : null;
    if (rest && (optional || dflt)) this.error("A rest parameter cannot be optional or have an initializer", start);
    if (rest && this.isP(",")) this.error("A rest parameter must be last in a parameter list");
    return { kind: "Param", ...this.loc(start), pattern, type, optional, default: dflt, rest, accessibility, readonly };
  }
  private isParamModifier(word: string): boolean {
    return word === "public" || word === "private" || word === "protected" || word === "readonly";
  }
  /** The modifier word at the current token is followed, on the same line, by what it modifies. */
  private modifierApplies(): boolean {
    const n = this.peek();
    if (n.newlineBefore) return false;
    return this.isPropertyName(n) || this.isP("[", n) || this.isP("{", n) || this.isP("...", n);
  }

  // ================================================================== classes

  private parseClass(mods: Modifiers, isAbstract: boolean): A.ClassDecl {
    this.next(); // `class`
    const name = this.parseBindingIdentifier();
    const typeParams = this.parseOptionalTypeParams();
    let ext: A.HeritageClause | null = null;
    const impls: A.HeritageClause[] = [];
    if (this.isK("extends")) {
      this.next();
      ext = this.parseHeritage();
    }
    if (this.eatContextual("implements")) {
      do impls.push(this.parseHeritage());
      while (this.eatP(","));
    }
    const members: A.ClassMember[] = [];
    if (this.expectP("{")) {
      while (!this.isP("}") && !this.atEOF()) {
        const startPos = this.pos;
        const errorsBefore = this.errorCount;
        this.recovering = false;
        if (this.eatP(";")) continue;
        const member = this.parseClassMember(mods.declared);
        if (member) members.push(member);
        if (this.errorCount !== errorsBefore) this.synchronize(startPos);
        if (this.pos === startPos) {
          this.error(`Unexpected token ${describeToken(this.t)}`);
          this.next();
        }
      }
      this.recovering = false;
      this.expectP("}");
    }
    return {
      kind: "ClassDecl", ...this.loc(mods.start), name, typeParams, extends: ext, implements: impls,
      abstract: isAbstract, members, exported: mods.exported, declared: mods.declared,
    };
  }

  private parseHeritage(): A.HeritageClause {
    const start = this.t;
    const name = this.parseEntityName();
    const typeArgs = this.isP("<") ? this.parseTypeArgs() : [];
    return { kind: "Heritage", ...this.loc(start), name, typeArgs };
  }

  private parseClassMember(inDeclaredClass: boolean): A.ClassMember | null {
    const start = this.t;
    let accessibility: A.Accessibility | null = null;
    let isStatic = false, isReadonly = false, isAbstract = false, isAsync = false;
    while (this.t.kind === TokenKind.Identifier && MODIFIERS.has(this.t.value) && this.modifierApplies()) {
      const mod = this.next();
      switch (mod.value) {
        case "public": case "private": case "protected":
          if (accessibility) this.error("Accessibility modifier already seen", mod);
          accessibility = mod.value;
          break;
        case "static": isStatic = true; break;
        case "readonly": isReadonly = true; break;
        case "abstract": isAbstract = true; break;
        case "async": isAsync = true; break;
        // TypeScript's `override` is accepted for compatibility; the AST does not record it
        // (overriding is structural in Raya's checker).
        case "override": break;
        default: this.error(`'${mod.value}' modifier cannot appear on a class member`, mod);
      }
    }
    // get/set accessors: `get name(` (but `get(` is a method named get).
    let methodKind: "method" | "get" | "set" = "method";
    if ((this.isId("get") || this.isId("set")) && this.isPropertyName(this.peek()) && !this.peek().newlineBefore) {
      methodKind = this.next().value as "get" | "set";
    }
    if (this.isId("constructor") && this.isP("(", this.peek()) && methodKind === "method") {
      this.next();
      const params = this.parseParams(true);
      let body: A.Block | null = null;
      if (inDeclaredClass) this.consumeSemicolon();
      else body = this.parseFunctionBody();
      return { kind: "Constructor", ...this.loc(start), params, accessibility, body };
    }
    const nameTok = this.t;
    const name = this.parsePropertyKey();
    if (name === "" && nameTok === this.t) return null;
    const optional = this.eatP("?");
    if (this.isP("(") || this.isP("<") || methodKind !== "method") {
      const typeParams = this.parseOptionalTypeParams();
      const params = this.parseParams(false);
      const returnType = this.parseOptionalReturnType();
      let body: A.Block | null = null;
      if (isAbstract || inDeclaredClass) {
        if (this.isP("{")) this.error(isAbstract ? "Method cannot have an implementation because it is marked abstract" : "An implementation cannot be declared in ambient contexts");
        this.consumeSemicolon();
      } else {
        body = this.parseFunctionBody();
      }
      if (optional) this.error("Optional methods are not supported", nameTok);
      if (isReadonly) this.error("'readonly' modifier can only appear on a property declaration", start);
      return {
        kind: "Method", ...this.loc(start), name, methodKind, static: isStatic, abstract: isAbstract,
        accessibility, body, typeParams, params, returnType, async: isAsync,
      };
    }
    if (isAsync) this.error("'async' modifier cannot be used here", start);
    if (isAbstract) this.error("Abstract fields are not supported", start);
    const type = this.eatP(":") ? this.parseType() : null;
    const init = this.eatP("=") ? this.parseAssignment() : null;
    this.consumeSemicolon();
    return {
      kind: "Field", ...this.loc(start), name, type, init, optional, static: isStatic,
      readonly: isReadonly, accessibility,
    };
  }

  // ================================================================== type declarations

  private parseTypeAlias(mods: Modifiers): A.TypeAliasDecl {
    this.next(); // `type`
    const name = this.parseBindingIdentifier();
    const typeParams = this.parseOptionalTypeParams();
    this.expectP("=");
    const type = this.parseType();
    this.consumeSemicolon();
    return { kind: "TypeAlias", ...this.loc(mods.start), name, typeParams, type, exported: mods.exported, declared: mods.declared };
  }

  private parseInterface(mods: Modifiers): A.InterfaceDecl {
    this.next(); // `interface`
    const name = this.parseBindingIdentifier();
    const typeParams = this.parseOptionalTypeParams();
    const ext: A.HeritageClause[] = [];
    if (this.isK("extends")) {
      this.next();
      do ext.push(this.parseHeritage());
      while (this.eatP(","));
    }
    const members = this.parseTypeMembers();
    return { kind: "Interface", ...this.loc(mods.start), name, typeParams, extends: ext, members, exported: mods.exported, declared: mods.declared };
  }

  // ================================================================== types

  parseType(): A.TypeNode {
    this.enter();
    try {
      return this.parseUnionType();
    } finally {
      this.depth--;
    }
  }

  private parseUnionType(): A.TypeNode {
    const start = this.t;
    this.eatP("|"); // a leading `|` is allowed: `type T =\n  | A\n  | B`
    const first = this.parseIntersectionType();
    if (!this.isP("|")) return first;
    const types = [first];
    while (this.eatP("|")) types.push(this.parseIntersectionType());
    return { kind: "UnionType", ...this.loc(start), types };
  }

  private parseIntersectionType(): A.TypeNode {
    const start = this.t;
    this.eatP("&");
    const first = this.parsePostfixType();
    if (!this.isP("&")) return first;
    const types = [first];
    while (this.eatP("&")) types.push(this.parsePostfixType());
    return { kind: "IntersectionType", ...this.loc(start), types };
  }

  private parsePostfixType(): A.TypeNode {
    let type = this.parsePrimaryType();
    while (this.isP("[") && !this.t.newlineBefore && this.isP("]", this.peek())) {
      this.next();
      this.next();
      type = { kind: "ArrayType", ...this.locFrom(type), element: type };
    }
    return type;
  }

  private parsePrimaryType(): A.TypeNode {
    const t = this.t;
    switch (t.kind) {
      case TokenKind.Identifier: {
        const name = this.parseEntityName();
        const typeArgs = this.isP("<") && !this.t.newlineBefore ? this.parseTypeArgs() : [];
        return { kind: "TypeRef", ...this.loc(t), name, typeArgs };
      }
      case TokenKind.Keyword:
        if (t.value === "void" || t.value === "null") {
          this.next();
          return { kind: "TypeRef", ...this.loc(t), name: t.value, typeArgs: [] };
        }
        if (t.value === "true" || t.value === "false") {
          this.next();
          return { kind: "LiteralType", ...this.loc(t), value: t.value === "true" };
        }
        break;
      case TokenKind.String:
        this.next();
        return { kind: "LiteralType", ...this.loc(t), value: t.value };
      case TokenKind.Number:
        this.next();
        return { kind: "LiteralType", ...this.loc(t), value: t.num };
      case TokenKind.Punct:
        switch (t.value) {
          case "-":
            if (this.peek().kind === TokenKind.Number) {
              this.next();
              const num = this.next();
              return { kind: "LiteralType", ...this.loc(t), value: -num.num };
            }
            break;
          case "(": {
            const fn = this.tryParse(() => this.parseFunctionType());
            if (fn) return fn;
            this.next();
            const type = this.parseType();
            this.expectP(")");
            return { kind: "ParenType", ...this.loc(t), type };
          }
          case "<":
            return this.parseFunctionType();
          case "[":
            return this.parseTupleType();
          case "{": {
            const members = this.parseTypeMembers();
            return { kind: "ObjectType", ...this.loc(t), members };
          }
        }
        break;
    }
    this.errorExpected("a type");
    return this.errorType();
  }

  /** `Name` or `A.B` (dotted names are kept as one string). */
  private parseEntityName(): string {
    let name = this.parseIdentifierName();
    while (this.isP(".") && this.isIdentifierName(this.peek())) {
      this.next();
      name += "." + this.next().value;
    }
    return name;
  }

  private parseFunctionType(): A.FunctionTypeNode {
    const start = this.t;
    const typeParams = this.parseOptionalTypeParams();
    const params = this.parseParams(false);
    if (!this.isP("=>")) {
      this.errorExpected("'=>'");
      return { kind: "FunctionType", ...this.loc(start), typeParams, params, returnType: this.errorType() };
    }
    this.next();
    const returnType = this.parseType();
    return { kind: "FunctionType", ...this.loc(start), typeParams, params, returnType };
  }

  private parseTupleType(): A.TupleTypeNode {
    const start = this.t;
    const elements: A.TypeNode[] = [];
    this.parseList("[", "]", () => {
      if (this.isP("...")) this.error("Rest elements in tuple types are not supported");
      elements.push(this.parseType());
      if (this.isP("?")) this.error("Optional tuple elements are not supported");
    });
    return { kind: "TupleType", ...this.loc(start), elements };
  }

  /** `{ a: T; readonly b?: U, m<T>(x: T): R }`: members separated by `;`, `,` or newlines. */
  private parseTypeMembers(): (A.PropertySignature | A.MethodSignature)[] {
    const members: (A.PropertySignature | A.MethodSignature)[] = [];
    if (!this.expectP("{")) return members;
    while (!this.isP("}") && !this.atEOF()) {
      const startPos = this.pos;
      const errorsBefore = this.errorCount;
      const member = this.parseTypeMember();
      if (member) members.push(member);
      if (!this.eatP(";") && !this.eatP(",") && !this.isP("}") && !this.t.newlineBefore) {
        this.errorExpected("';' or '}'");
      }
      if (this.errorCount !== errorsBefore) {
        this.synchronize(startPos);
        if (this.pos === startPos) this.next();
      }
    }
    this.expectP("}");
    return members;
  }

  private parseTypeMember(): A.PropertySignature | A.MethodSignature | null {
    const start = this.t;
    if (this.isP("[")) {
      this.error("Index signatures are not supported; use Map<K, V>");
      return null;
    }
    if (this.isP("(") || this.isP("<")) {
      this.error("Call signatures are not supported; use a function type");
      return null;
    }
    let readonly = false;
    if (this.isId("readonly") && this.isPropertyName(this.peek()) && !this.peek().newlineBefore) {
      this.next();
      readonly = true;
    }
    const name = this.parsePropertyKey();
    const optional = this.eatP("?");
    if (this.isP("(") || this.isP("<")) {
      const typeParams = this.parseOptionalTypeParams();
      const params = this.parseParams(false);
      const returnType = this.parseOptionalReturnType();
      return { kind: "MethodSignature", ...this.loc(start), name, optional, typeParams, params, returnType };
    }
    let type: A.TypeNode;
    if (this.expectP(":")) type = this.parseType();
    else type = this.errorType();
    return { kind: "PropertySignature", ...this.loc(start), name, optional, readonly, type };
  }

  private parseOptionalTypeParams(): A.TypeParam[] {
    const params: A.TypeParam[] = [];
    if (!this.isP("<")) return params;
    this.parseList("<", ">", () => {
      const start = this.t;
      const name = this.parseBindingIdentifier();
      let constraint: A.TypeNode | null = null;
      let dflt: A.TypeNode | null = null;
      if (this.isK("extends")) {
        this.next();
        constraint = this.parseType();
      }
      if (this.eatP("=")) dflt = this.parseType();
      params.push({ kind: "TypeParam", ...this.loc(start), name, constraint, default: dflt });
    });
    return params;
  }

  private parseTypeArgs(): A.TypeNode[] {
    const args: A.TypeNode[] = [];
    this.parseList("<", ">", () => args.push(this.parseType()));
    return args;
  }

  // ================================================================== expressions

  parseExpression(): A.Expr {
    return this.parseAssignment();
  }

  private parseAssignment(): A.Expr {
    this.enter();
    try {
      return this.parseAssignmentInner();
    } finally {
      this.depth--;
    }
  }

  private parseAssignmentInner(): A.Expr {
    const arrow = this.tryParseArrowFunction();
    if (arrow) return arrow;
    const left = this.parseConditional();
    const width = this.assignmentOperatorWidth();
    if (width === 0) return left;
    const opTok = this.t;
    const op = this.joinedOperator(width) as A.AssignOp;
    for (let i = 0; i < width; i++) this.next();
    const target = this.toAssignmentTarget(left, op, opTok);
    const value = this.parseAssignment();
    return { kind: "Assign", ...this.locFrom(left), op, target, value };
  }

  /** Number of tokens forming an assignment operator at the current token (0 if none). */
  private assignmentOperatorWidth(): number {
    const t = this.t;
    if (t.kind !== TokenKind.Punct) return 0;
    if (t.value === ">") {
      const width = this.greaterOperatorWidth();
      const op = this.joinedOperator(width);
      return op === ">>=" || op === ">>>=" ? width : 0;
    }
    return ASSIGN_OPS.has(t.value) ? 1 : 0;
  }

  /** `>` tokens are single characters; adjacent `>`, `>`, `=` join into one operator. */
  private greaterOperatorWidth(): number {
    let width = 1;
    let prev = this.t;
    for (;;) {
      const n = this.peek(width);
      if (n.start !== prev.end || n.kind !== TokenKind.Punct) return width;
      if (n.value === "=") return width + 1;
      if (n.value !== ">" || width === 3) return width;
      width++;
      prev = n;
    }
  }
  private joinedOperator(width: number): string {
    if (width === 1) return this.t.value;
    let op = "";
    for (let i = 0; i < width; i++) op += this.peek(i).value;
    return op;
  }

  private toAssignmentTarget(left: A.Expr, op: A.AssignOp, opTok: Token): A.AssignExpr["target"] {
    if (op === "=" && (left.kind === "ArrayLiteral" || left.kind === "ObjectLiteral")) return this.toPattern(left);
    if (!this.checkSimpleTarget(left)) {
      this.error("The left-hand side of an assignment must be a variable or a property access", opTok);
    }
    return left;
  }

  /** Identifier, member or index (through parentheses). */
  private checkSimpleTarget(expr: A.Expr): boolean {
    let e = expr;
    while (e.kind === "Paren") e = e.expression;
    if (e.kind === "Identifier" || e.kind === "ErrorExpr") return true;
    return (e.kind === "Member" || e.kind === "Index") && !e.optional;
  }

  /** Reinterprets an array/object literal on the left of `=` as a destructuring pattern. */
  private toPattern(expr: A.ArrayLiteral | A.ObjectLiteral): A.ArrayPattern | A.ObjectPattern;
  private toPattern(expr: A.Expr): A.Pattern;
  private toPattern(expr: A.Expr): A.Pattern {
    switch (expr.kind) {
      case "Identifier":
        return { kind: "IdentifierPattern", ...this.span(expr), name: expr.name };
      case "ArrayLiteral": {
        const elements: (A.ArrayPatternElement | null)[] = [];
        let rest: A.Pattern | null = null;
        expr.elements.forEach((el, i) => {
          if (el.kind === "ErrorExpr" && this.takeCoverError(el)) {
            elements.push(null);
          } else if (el.kind === "Spread") {
            if (i !== expr.elements.length - 1) this.errorAtNode("A rest element must be last in a destructuring pattern", el);
            rest = this.toPattern(el.argument);
          } else {
            elements.push(this.toArrayPatternElement(el));
          }
        });
        return { kind: "ArrayPattern", ...this.span(expr), elements, rest };
      }
      case "ObjectLiteral": {
        const properties: A.ObjectPatternProperty[] = [];
        let rest: A.IdentifierPattern | null = null;
        expr.properties.forEach((p, i) => {
          if (p.kind === "Spread") {
            if (i !== expr.properties.length - 1) this.errorAtNode("A rest element must be last in a destructuring pattern", p);
            if (p.argument.kind === "Identifier") rest = { kind: "IdentifierPattern", ...this.span(p.argument), name: p.argument.name };
            else this.errorAtNode("An object rest element must be an identifier", p.argument);
          } else if (p.kind === "ObjectMethod") {
            this.errorAtNode("A method cannot be a destructuring target", p);
          } else {
            properties.push(this.toObjectPatternProperty(p));
          }
        });
        return { kind: "ObjectPattern", ...this.span(expr), properties, rest };
      }
      case "Paren":
        return this.toPattern(expr.expression);
      case "Member":
      case "Index":
        if (!expr.optional) return { kind: "MemberTargetPattern", ...this.span(expr), target: expr };
        this.errorAtNode("An optional chain cannot be a destructuring target", expr);
        return { kind: "IdentifierPattern", ...this.span(expr), name: "" };
    }
    this.errorAtNode("Only identifiers, property accesses and nested patterns can be destructuring targets", expr);
    return { kind: "IdentifierPattern", ...this.span(expr), name: "" };
  }

  private toArrayPatternElement(el: A.Expr): A.ArrayPatternElement {
    if (el.kind === "Assign" && el.op === "=") {
      const target = el.target.kind === "ArrayPattern" || el.target.kind === "ObjectPattern" ? el.target : this.toPattern(el.target);
      return { kind: "ArrayPatternElement", ...this.span(el), target, default: el.value };
    }
    return { kind: "ArrayPatternElement", ...this.span(el), target: this.toPattern(el), default: null };
  }

  private toObjectPatternProperty(p: A.PropertyAssignment): A.ObjectPatternProperty {
    let value = p.value;
    let dflt: A.Expr | null = null;
    if (value.kind === "Assign" && value.op === "=") {
      this.takeCoverError(p);
      dflt = value.value;
      const target = value.target.kind === "ArrayPattern" || value.target.kind === "ObjectPattern" ? value.target : this.toPattern(value.target);
      return { kind: "ObjectPatternProperty", ...this.span(p), key: p.key, target, default: dflt };
    }
    return { kind: "ObjectPatternProperty", ...this.span(p), key: p.key, target: this.toPattern(value), default: dflt };
  }

  private takeCoverError(node: object): boolean {
    const i = this.coverErrors.findIndex((c) => c.node === node);
    if (i < 0) return false;
    this.coverErrors.splice(i, 1);
    return true;
  }

  private span(n: A.NodeBase): A.NodeBase {
    return { file: n.file, line: n.line, col: n.col, start: n.start, end: n.end };
  }
  private errorAtNode(message: string, n: A.NodeBase): void {
    const t = this.tokens.find((tok) => tok.start === n.start) ?? this.t;
    this.error(message, t);
  }

  // ------------------------------------------------------------------ arrows

  /** Arrow functions: `x =>`, `(a, b) =>`, `(a: T): R =>`, `<T>(x: T) =>`, and their async forms. */
  private tryParseArrowFunction(): A.ArrowFunction | null {
    const start = this.t;
    let isAsync = false;
    let first = start;
    if (this.isId("async") && !this.isP("=>", this.peek())) {
      const n = this.peek();
      const startsHead = n.kind === TokenKind.Identifier || this.isP("(", n) || this.isP("<", n);
      if (!startsHead || n.newlineBefore) return null;
      isAsync = true;
      first = n;
    }
    if (first.kind === TokenKind.Identifier) {
      const arrowTok = this.peek(isAsync ? 2 : 1);
      if (!this.isP("=>", arrowTok)) return null;
      if (isAsync) this.next();
      const paramTok = this.next();
      const pattern: A.IdentifierPattern = { kind: "IdentifierPattern", ...this.loc(paramTok), name: paramTok.value };
      const param: A.Param = {
        kind: "Param", ...this.loc(paramTok), pattern, type: null, optional: false, default: null,
        rest: false, accessibility: null, readonly: false,
      };
      return this.parseArrowRest(start, isAsync, [], [param], null);
    }
    if (this.isP("(", first) && !this.mayStartArrowParams(isAsync ? 1 : 0)) return null;
    if (!this.isP("(", first) && !this.isP("<", first)) return null;
    const parseHead = () => {
      if (isAsync) this.next();
      const typeParams = this.parseOptionalTypeParams();
      const params = this.parseParams(false);
      const returnType = this.parseOptionalReturnType();
      if (!this.isP("=>")) this.errorExpected("'=>'"); // fails the speculation, if speculating
      return { typeParams, params, returnType };
    };
    // When only an arrow can follow, parse the head for real so errors point into it.
    if (this.isDefiniteArrowHead(isAsync ? 1 : 0)) {
      const h = parseHead();
      return this.parseArrowRest(start, isAsync, h.typeParams, h.params, h.returnType);
    }
    if (this.notArrowAt.has(this.pos)) return null;
    const headPos = this.pos;
    const head = this.tryParse(parseHead);
    if (!head) {
      this.notArrowAt.add(headPos);
      return null;
    }
    return this.parseArrowRest(start, isAsync, head.typeParams, head.params, head.returnType);
  }

  /**
   * `()`, `(...`, `(a:`, `(a,` and a leading `<T>` can only start an arrow function (Raya has
   * no comma operator, JSX or `<T>x` casts).
   */
  private isDefiniteArrowHead(offset: number): boolean {
    const first = this.peek(offset);
    if (this.isP("<", first)) return offset === 0;
    const n = this.peek(offset + 1);
    if (this.isP(")", n) || this.isP("...", n)) return true;
    const after = this.peek(offset + 2);
    return n.kind === TokenKind.Identifier && (this.isP(":", after) || this.isP(",", after));
  }

  /** Cheap filter before speculating at `(`: what follows can begin a parameter list. */
  private mayStartArrowParams(offset: number): boolean {
    const n = this.peek(offset + 1);
    if (n.kind === TokenKind.Identifier) return true;
    return this.isP(")", n) || this.isP("...", n) || this.isP("[", n) || this.isP("{", n);
  }

  private parseArrowRest(
    start: Token, isAsync: boolean, typeParams: A.TypeParam[], params: A.Param[], returnType: A.TypeNode | null,
  ): A.ArrowFunction {
    const arrow = this.t;
    let body: A.Block | A.Expr;
    if (this.isP("=>")) {
      if (arrow.newlineBefore) this.error("Line terminator not permitted before arrow");
      this.next();
      body = this.isP("{") ? this.parseBlock() : this.parseAssignment();
    } else {
      body = this.errorExpr(); // the head already reported the missing `=>`
    }
    return { kind: "ArrowFunction", ...this.loc(start), typeParams, params, returnType, async: isAsync, body };
  }

  // ------------------------------------------------------------------ conditional / binary

  private parseConditional(): A.Expr {
    const test = this.parseBinary(0);
    if (!this.isP("?")) return test;
    this.next();
    const consequent = this.parseAssignment();
    this.expectP(":");
    const alternate = this.parseAssignment();
    return { kind: "Conditional", ...this.locFrom(test), test, consequent, alternate };
  }

  private parseBinary(minPrec: number): A.Expr {
    let left = this.parseUnary();
    for (;;) {
      const t = this.t;
      if (this.isId("as") && !t.newlineBefore) {
        if (AS_PRECEDENCE < minPrec) break;
        this.next();
        const type = this.parseType();
        left = { kind: "As", ...this.locFrom(left), expression: left, type };
        continue;
      }
      let op: string;
      let width = 1;
      if (t.kind === TokenKind.Punct) {
        if (t.value === ">") {
          width = this.greaterOperatorWidth();
          op = this.joinedOperator(width);
        } else {
          op = t.value;
        }
      } else if (t.kind === TokenKind.Keyword && (t.value === "instanceof" || t.value === "in")) {
        op = t.value;
      } else {
        break;
      }
      const prec = BINARY_PRECEDENCE.get(op);
      if (prec === undefined || prec < minPrec) break;
      if (op === "**" && (left.kind === "Unary" || left.kind === "Await")) {
        this.error("An unary expression cannot be the left operand of '**'; add parentheses");
      }
      for (let i = 0; i < width; i++) this.next();
      // `**` is right-associative: its right operand may contain another `**`.
      this.enter();
      let right: A.Expr;
      try {
        right = this.parseBinary(op === "**" ? prec : prec + 1);
      } finally {
        this.depth--;
      }
      this.checkNullishMixing(op, left, right, t);
      left = { kind: "Binary", ...this.locFrom(left), op: op as A.BinaryOp, left, right };
    }
    return left;
  }

  /** `a ?? b || c` is an error in TypeScript and JavaScript: parentheses are required. */
  private checkNullishMixing(op: string, left: A.Expr, right: A.Expr, opTok: Token): void {
    const isLogical = (e: A.Expr) => e.kind === "Binary" && (e.op === "||" || e.op === "&&");
    const isNullish = (e: A.Expr) => e.kind === "Binary" && e.op === "??";
    if (op === "??" ? isLogical(left) || isLogical(right) : (op === "||" || op === "&&") && (isNullish(left) || isNullish(right))) {
      this.error("'??' cannot be mixed with '||' or '&&' without parentheses", opTok);
    }
  }

  // ------------------------------------------------------------------ unary / postfix

  private parseUnary(): A.Expr {
    const t = this.t;
    if (t.kind === TokenKind.Punct) {
      switch (t.value) {
        case "!": case "-": case "+": case "~": {
          this.next();
          const operand = this.parseUnaryOperand();
          return { kind: "Unary", ...this.loc(t), op: t.value, operand };
        }
        case "++": case "--": {
          this.next();
          const operand = this.parseUnaryOperand();
          if (!this.checkSimpleTarget(operand)) this.error("The operand of an increment or decrement operator must be a variable or a property access", t);
          return { kind: "Update", ...this.loc(t), op: t.value, prefix: true, operand };
        }
        case "<":
          this.error("Type assertions with '<T>' are not supported; use 'as'");
          break;
      }
    } else if (t.kind === TokenKind.Keyword) {
      switch (t.value) {
        case "typeof": {
          this.next();
          const operand = this.parseUnaryOperand();
          return { kind: "Unary", ...this.loc(t), op: "typeof", operand };
        }
        case "await": {
          this.next();
          const argument = this.parseUnaryOperand();
          return { kind: "Await", ...this.loc(t), argument };
        }
        case "delete": case "void":
          this.error(`The '${t.value}' operator is not supported`);
          this.next();
          this.parseUnaryOperand();
          return this.errorExpr(t);
      }
    } else if (t.kind === TokenKind.Identifier && t.value === "async" && this.startsAsyncCall()) {
      return this.parseAsyncCall();
    }
    return this.parsePostfix();
  }

  private parseUnaryOperand(): A.Expr {
    this.enter();
    try {
      return this.parseUnary();
    } finally {
      this.depth--;
    }
  }

  /** `async` followed on the same line by something that can start a call expression. */
  private startsAsyncCall(): boolean {
    const n = this.peek();
    if (n.newlineBefore) return false;
    if (n.kind === TokenKind.Identifier) return true;
    if (n.kind === TokenKind.Keyword) return n.value === "this" || n.value === "super" || n.value === "new";
    return this.isP("(", n);
  }

  /** Raya's `async f(x)`: the operand is a call chain, and its outermost call runs in a new Task. */
  private parseAsyncCall(): A.Expr {
    const start = this.next(); // `async`
    let operand = this.parseLeftHandSide();
    while (operand.kind === "Paren") operand = operand.expression;
    if (operand.kind !== "Call") {
      this.error("'async' must be followed by a call expression", start);
      return operand;
    }
    return { kind: "AsyncCall", ...this.loc(start), call: operand };
  }

  private parsePostfix(): A.Expr {
    const operand = this.parseLeftHandSide();
    const t = this.t;
    if ((this.isP("++") || this.isP("--")) && !t.newlineBefore) {
      if (!this.checkSimpleTarget(operand)) this.error("The operand of an increment or decrement operator must be a variable or a property access", t);
      this.next();
      return { kind: "Update", ...this.locFrom(operand), op: t.value as "++" | "--", prefix: false, operand };
    }
    return operand;
  }

  // ------------------------------------------------------------------ calls and members

  private parseLeftHandSide(): A.Expr {
    const expr = this.isK("new") ? this.parseNew() : this.parsePrimary();
    return this.parseCallTail(expr, true);
  }

  /** Member accesses, index accesses and (when `allowCalls`) calls after `expr`. */
  private parseCallTail(expr: A.Expr, allowCalls: boolean): A.Expr {
    for (;;) {
      const t = this.t;
      if (t.kind === TokenKind.Punct) {
        switch (t.value) {
          case ".":
            this.next();
            expr = this.parseMemberName(expr, false);
            continue;
          case "?.": {
            if (!allowCalls) {
              this.error("Optional chaining is not allowed in a 'new' expression");
              return expr;
            }
            this.next();
            if (this.isP("(")) expr = this.parseCall(expr, [], true);
            else if (this.isP("[")) expr = this.parseIndex(expr, true);
            else if (this.isP("<")) expr = this.parseCall(expr, this.parseTypeArgs(), true);
            else expr = this.parseMemberName(expr, true);
            continue;
          }
          case "[":
            expr = this.parseIndex(expr, false);
            continue;
          case "(":
            if (!allowCalls) return expr;
            expr = this.parseCall(expr, [], false);
            continue;
          case "<": {
            if (!allowCalls) return expr;
            const typeArgs = this.tryParse(() => {
              const args = this.parseTypeArgs();
              if (!this.isP("(")) this.fail();
              return args;
            });
            if (!typeArgs) return expr;
            expr = this.parseCall(expr, typeArgs, false);
            continue;
          }
        }
      } else if ((t.kind === TokenKind.Template || t.kind === TokenKind.TemplateHead) && !t.newlineBefore) {
        this.error("Tagged templates are not supported");
      }
      return expr;
    }
  }

  private parseMemberName(object: A.Expr, optional: boolean): A.MemberExpr {
    const nameTok = this.t;
    let name = "";
    // `obj.` at the end of a line being typed: a statement keyword on the next line starts
    // the next statement rather than naming a property.
    const startsNextStatement = nameTok.newlineBefore && nameTok.kind === TokenKind.Keyword && STATEMENT_KEYWORDS.has(nameTok.value);
    if (this.isIdentifierName() && !startsNextStatement) name = this.next().value;
    else this.errorExpected("a property name");
    return { kind: "Member", ...this.locFrom(object), object, name, optional, nameLine: nameTok.line, nameCol: nameTok.col };
  }

  private parseIndex(object: A.Expr, optional: boolean): A.IndexExpr {
    this.next(); // '['
    const index = this.parseExpression();
    this.expectP("]");
    return { kind: "Index", ...this.locFrom(object), object, index, optional };
  }

  private parseCall(callee: A.Expr, typeArgs: A.TypeNode[], optional: boolean): A.CallExpr {
    const args = this.parseArguments();
    return { kind: "Call", ...this.locFrom(callee), callee, typeArgs, args, optional };
  }

  private parseArguments(): (A.Expr | A.SpreadElement)[] {
    const args: (A.Expr | A.SpreadElement)[] = [];
    this.parseList("(", ")", () => args.push(this.parseSpreadOrExpression()));
    return args;
  }

  private parseSpreadOrExpression(): A.Expr | A.SpreadElement {
    const t = this.t;
    if (this.eatP("...")) {
      const argument = this.parseAssignment();
      return { kind: "Spread", ...this.loc(t), argument };
    }
    return this.parseAssignment();
  }

  private parseNew(): A.Expr {
    const start = this.next(); // `new`
    this.enter();
    let callee: A.Expr;
    try {
      callee = this.isK("new") ? this.parseNew() : this.parsePrimary();
    } finally {
      this.depth--;
    }
    callee = this.parseCallTail(callee, false);
    let typeArgs: A.TypeNode[] = [];
    if (this.isP("<")) {
      typeArgs = this.tryParse(() => {
        const args = this.parseTypeArgs();
        if (!this.isP("(") && !this.cannotContinueExpression()) this.fail();
        return args;
      }) ?? [];
    }
    const args = this.isP("(") ? this.parseArguments() : [];
    return { kind: "New", ...this.loc(start), callee, typeArgs, args };
  }

  private cannotContinueExpression(): boolean {
    const t = this.t;
    if (t.kind === TokenKind.EOF || t.newlineBefore) return true;
    return this.isP(";") || this.isP(")") || this.isP(",") || this.isP("]") || this.isP("}") || this.isP(".");
  }

  // ------------------------------------------------------------------ primary expressions

  private parsePrimary(): A.Expr {
    const t = this.t;
    switch (t.kind) {
      case TokenKind.Number:
        this.next();
        return { kind: "NumberLiteral", ...this.loc(t), value: t.num, raw: t.value, isInt: t.isInt };
      case TokenKind.String:
        this.next();
        return { kind: "StringLiteral", ...this.loc(t), value: t.value };
      case TokenKind.Template:
        this.next();
        return { kind: "TemplateLiteral", ...this.loc(t), quasis: [t.value], expressions: [] };
      case TokenKind.TemplateHead:
        return this.parseTemplate();
      case TokenKind.Identifier:
        if (t.value === "async" && this.isK("function", this.peek()) && !this.peek().newlineBefore) {
          this.next();
          return this.parseFunctionExpression(t, true);
        }
        this.next();
        return { kind: "Identifier", ...this.loc(t), name: t.value };
      case TokenKind.Keyword:
        switch (t.value) {
          case "true":
          case "false":
            this.next();
            return { kind: "BooleanLiteral", ...this.loc(t), value: t.value === "true" };
          case "null":
            this.next();
            return { kind: "NullLiteral", ...this.loc(t) };
          case "this":
            this.next();
            return { kind: "This", ...this.loc(t) };
          case "super":
            this.next();
            if (!this.isP("(") && !this.isP(".")) this.error("'super' must be followed by an argument list or member access");
            return { kind: "Super", ...this.loc(t) };
          case "function":
            return this.parseFunctionExpression(t, false);
          case "class":
            this.error("Class expressions are not supported; declare the class");
            return this.errorExpr();
        }
        break;
      case TokenKind.Punct:
        switch (t.value) {
          case "(": {
            this.next();
            const expression = this.parseExpression();
            this.expectP(")");
            return { kind: "Paren", ...this.loc(t), expression };
          }
          case "[":
            return this.parseArrayLiteral();
          case "{":
            return this.parseObjectLiteral();
        }
        break;
    }
    this.errorExpected("an expression");
    return this.errorExpr();
  }

  private parseFunctionExpression(start: Token, isAsync: boolean): A.FunctionExpr {
    this.next(); // `function`
    const name = this.t.kind === TokenKind.Identifier ? this.next().value : null;
    const typeParams = this.parseOptionalTypeParams();
    const params = this.parseParams(false);
    const returnType = this.parseOptionalReturnType();
    const body = this.parseFunctionBody();
    return { kind: "FunctionExpr", ...this.loc(start), name, typeParams, params, returnType, async: isAsync, body };
  }

  private parseTemplate(): A.TemplateLiteral {
    const start = this.next(); // TemplateHead
    const quasis = [start.value];
    const expressions: A.Expr[] = [];
    for (;;) {
      expressions.push(this.parseExpression());
      const t = this.t;
      if (t.kind === TokenKind.TemplateMiddle || t.kind === TokenKind.TemplateTail) {
        this.next();
        quasis.push(t.value);
        if (t.kind === TokenKind.TemplateTail) break;
        continue;
      }
      this.errorExpected("'}'");
      if (!this.skipToTemplateContinuation()) {
        quasis.push("");
        break;
      }
    }
    return { kind: "TemplateLiteral", ...this.loc(start), quasis, expressions };
  }

  /** After an error in `${...}`: skip to the next part of this template; false at EOF. */
  private skipToTemplateContinuation(): boolean {
    let depth = 0;
    for (;;) {
      const t = this.t;
      if (t.kind === TokenKind.EOF) return false;
      if (t.kind === TokenKind.TemplateHead) depth++;
      else if (t.kind === TokenKind.TemplateTail && depth > 0) depth--;
      else if ((t.kind === TokenKind.TemplateMiddle || t.kind === TokenKind.TemplateTail) && depth === 0) return true;
      this.next();
    }
  }

  private parseArrayLiteral(): A.ArrayLiteral {
    const start = this.next(); // '['
    const elements: (A.Expr | A.SpreadElement)[] = [];
    while (!this.isP("]") && !this.atEOF()) {
      if (this.isP(",")) {
        // A hole is only valid if this literal turns out to be a destructuring pattern.
        const hole = this.errorExpr();
        this.coverErrors.push({ node: hole, token: this.t, message: "Array literal holes are not allowed" });
        elements.push(hole);
        this.next();
        continue;
      }
      const before = this.pos;
      elements.push(this.parseSpreadOrExpression());
      if (this.isP("]")) break;
      if (this.eatP(",")) continue;
      this.errorExpected(this.endsList("]") ? "']'" : "',' or ']'");
      if (!this.skipListGarbage("]") || this.pos === before) break;
    }
    this.expectP("]");
    return { kind: "ArrayLiteral", ...this.loc(start), elements };
  }

  private parseObjectLiteral(): A.ObjectLiteral {
    const start = this.t;
    const properties: (A.PropertyAssignment | A.ObjectMethod | A.SpreadElement)[] = [];
    this.parseList("{", "}", () => {
      const p = this.parseObjectMember();
      if (p) properties.push(p);
    });
    return { kind: "ObjectLiteral", ...this.loc(start), properties };
  }

  private parseObjectMember(): A.PropertyAssignment | A.ObjectMethod | A.SpreadElement | null {
    const start = this.t;
    if (this.eatP("...")) {
      const argument = this.parseAssignment();
      return { kind: "Spread", ...this.loc(start), argument };
    }
    let isAsync = false;
    const n = this.peek();
    if (this.isId("async") && this.isPropertyName(n) && !n.newlineBefore) {
      this.next();
      isAsync = true;
    } else if ((this.isId("get") || this.isId("set")) && this.isPropertyName(n) && !n.newlineBefore) {
      this.error("Getters and setters are not supported in object literals; use a class");
      return null;
    }
    const keyTok = this.t;
    const key = this.parsePropertyKey();
    if (key === "" && keyTok === this.t) return null;
    if (this.isP("(") || this.isP("<")) {
      const typeParams = this.parseOptionalTypeParams();
      const params = this.parseParams(false);
      const returnType = this.parseOptionalReturnType();
      const body = this.parseFunctionBody();
      const fn: A.FunctionExpr = {
        kind: "FunctionExpr", ...this.loc(keyTok), name: key, typeParams, params, returnType, async: isAsync, body,
      };
      return { kind: "ObjectMethod", ...this.loc(start), key, fn };
    }
    if (isAsync) this.errorExpected("'('");
    if (this.eatP(":")) {
      const value = this.parseAssignment();
      return { kind: "PropertyAssignment", ...this.loc(start), key, value, shorthand: false };
    }
    // Shorthand `{ a }`, or `{ a = 1 }` which is only valid as a destructuring target.
    if (keyTok.kind !== TokenKind.Identifier) {
      this.errorExpected("':'");
      return null;
    }
    let value: A.Expr = { kind: "Identifier", ...this.loc(keyTok), name: key };
    const prop: A.PropertyAssignment = { kind: "PropertyAssignment", ...this.loc(start), key, value, shorthand: true };
    if (this.isP("=")) {
      const eq = this.next();
      const dflt = this.parseAssignment();
      value = { kind: "Assign", ...this.locFrom(value), op: "=", target: value, value: dflt };
      prop.value = value;
      prop.end = this.prevEnd();
      this.coverErrors.push({ node: prop, token: eq, message: "Shorthand property initializers are only allowed in destructuring patterns" });
    }
    return prop;
  }
}

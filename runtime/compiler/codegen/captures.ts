// Capture analysis, run before code generation: which local bindings are referenced from a
// nested function (they must live in Boxes from the moment their scope is entered) and which
// functions' `this` is read from a nested arrow or is the receiver of an object-literal method
// (it must be kept in a boxed hidden local). Its scoping rules mirror FunctionCompiler's
// exactly: a scope per function (parameters), per block, per `for` head, per `for...of`
// iteration, per catch clause and per switch; every block declares its let/const/class/function
// names at entry. Names declared at the top level of a module are globals and never captured.
import type * as A from "../ast";

/** Identifies a binding: the node that declares it. */
export type BindingNode = A.IdentifierPattern | A.FunctionDecl | A.ClassDecl | A.FunctionExpr;
/** Identifies a function for `this` purposes; a class's constructor is keyed by its ClassDecl. */
export type FunctionKey = A.Node | A.ClassDecl;

export interface CaptureInfo {
  captured: Set<BindingNode>;
  /** Functions whose `this` must be boxed (methods/constructors with arrows using `this`, object methods using `this`). */
  thisCaptured: Set<FunctionKey>;
}

interface FnScope {
  key: FunctionKey | null; // null: a module's initialiser
  isArrow: boolean;
  isObjectMethod: boolean;
  parent: FnScope | null;
}

interface Scope {
  names: Map<string, BindingNode>;
  fn: FnScope;
  isGlobal: boolean;
  parent: Scope | null;
}

export function analyzeCaptures(files: A.SourceFile[]): CaptureInfo {
  const info: CaptureInfo = { captured: new Set(), thisCaptured: new Set() };
  for (const file of files) new CaptureWalker(info).file(file);
  return info;
}

/** Names a statement list declares in its own scope (let/const patterns, functions, classes). */
export function lexicalDeclarations(stmts: A.Stmt[]): { name: string; node: BindingNode }[] {
  const out: { name: string; node: BindingNode }[] = [];
  for (const s of stmts) {
    if (s.kind === "VarDecl") {
      for (const d of s.declarations) patternNames(d.target, out);
    } else if ((s.kind === "FunctionDecl" && s.body) || s.kind === "ClassDecl") {
      if (!s.declared) out.push({ name: s.name, node: s });
    }
  }
  return out;
}

export function patternNames(p: A.Pattern, out: { name: string; node: BindingNode }[]): void {
  switch (p.kind) {
    case "IdentifierPattern":
      out.push({ name: p.name, node: p });
      return;
    case "ArrayPattern":
      for (const e of p.elements) if (e) patternNames(e.target, out);
      if (p.rest) patternNames(p.rest, out);
      return;
    case "ObjectPattern":
      for (const prop of p.properties) patternNames(prop.target, out);
      if (p.rest) patternNames(p.rest, out);
      return;
    case "MemberTargetPattern":
      return; // binds nothing: `[o.a] = v` assigns to an existing object
  }
}

class CaptureWalker {
  private scope!: Scope;

  constructor(private readonly info: CaptureInfo) {}

  file(file: A.SourceFile): void {
    const fn: FnScope = { key: null, isArrow: false, isObjectMethod: false, parent: null };
    this.scope = { names: new Map(), fn, isGlobal: true, parent: null };
    this.declareAll(lexicalDeclarations(file.body));
    for (const s of file.body) this.stmt(s);
  }

  // ---------------------------------------------------------------- scopes

  private push(fn: FnScope = this.scope.fn): void {
    this.scope = { names: new Map(), fn, isGlobal: false, parent: this.scope };
  }

  private pop(): void {
    this.scope = this.scope.parent!;
  }

  private declareAll(decls: { name: string; node: BindingNode }[]): void {
    for (const d of decls) this.scope.names.set(d.name, d.node);
  }

  private reference(name: string): void {
    for (let s: Scope | null = this.scope; s; s = s.parent) {
      const node = s.names.get(name);
      if (!node) continue;
      if (!s.isGlobal && s.fn !== this.scope.fn) this.info.captured.add(node);
      return;
    }
  }

  private useThis(): void {
    let fn: FnScope | null = this.scope.fn;
    let crossedArrow = false;
    while (fn && fn.isArrow) {
      fn = fn.parent;
      crossedArrow = true;
    }
    if (fn && fn.key && (crossedArrow || fn.isObjectMethod)) this.info.thisCaptured.add(fn.key);
  }

  private block(stmts: A.Stmt[]): void {
    this.push();
    this.declareAll(lexicalDeclarations(stmts));
    for (const s of stmts) this.stmt(s);
    this.pop();
  }

  private declarePattern(p: A.Pattern): void {
    const names: { name: string; node: BindingNode }[] = [];
    patternNames(p, names);
    this.declareAll(names);
  }

  /** Default values and property/element targets inside a pattern are expressions. */
  private patternDefaults(p: A.Pattern): void {
    if (p.kind === "MemberTargetPattern") {
      this.expr(p.target);
    } else if (p.kind === "ArrayPattern") {
      for (const e of p.elements) {
        if (!e) continue;
        if (e.default) this.expr(e.default);
        this.patternDefaults(e.target);
      }
      if (p.rest) this.patternDefaults(p.rest);
    } else if (p.kind === "ObjectPattern") {
      for (const prop of p.properties) {
        if (prop.default) this.expr(prop.default);
        this.patternDefaults(prop.target);
      }
    }
  }

  /** A destructuring assignment target: its identifiers are references. */
  private patternReferences(p: A.Pattern): void {
    const names: { name: string; node: BindingNode }[] = [];
    patternNames(p, names);
    for (const n of names) this.reference(n.name);
    this.patternDefaults(p);
  }

  // ---------------------------------------------------------------- functions

  private fn(
    key: FunctionKey,
    params: A.Param[],
    body: A.Block | A.Expr | null,
    options: { isArrow?: boolean; isObjectMethod?: boolean; ownName?: A.FunctionExpr; fieldInits?: A.Expr[] } = {},
  ): void {
    const fnScope: FnScope = {
      key,
      isArrow: options.isArrow ?? false,
      isObjectMethod: options.isObjectMethod ?? false,
      parent: this.scope.fn,
    };
    this.push(fnScope);
    // Field initialisers run in the constructor but see the class's surroundings, not its parameters.
    for (const init of options.fieldInits ?? []) this.expr(init);
    if (options.ownName?.name) this.scope.names.set(options.ownName.name, options.ownName);
    for (const p of params) {
      if (p.default) this.expr(p.default);
      this.declarePattern(p.pattern);
      this.patternDefaults(p.pattern);
    }
    if (body) {
      if (body.kind === "Block") this.block(body.body);
      else this.expr(body);
    }
    this.pop();
  }

  private classDecl(c: A.ClassDecl): void {
    if (c.extends) this.reference(c.extends.name);
    // Methods reach the parent class through the declaring frame: box a local parent class.
    if (c.extends) {
      for (let s: Scope | null = this.scope; s; s = s.parent) {
        const node = s.names.get(c.extends.name);
        if (!node) continue;
        if (!s.isGlobal) this.info.captured.add(node);
        break;
      }
    }
    const ctor = c.members.find((m): m is A.ConstructorMember => m.kind === "Constructor");
    const fieldInits = c.members
      .filter((m): m is A.FieldMember => m.kind === "Field" && !m.static && m.init !== null)
      .map((m) => m.init!);
    this.fn(c, ctor?.params ?? [], ctor?.body ?? null, { fieldInits });
    for (const m of c.members) {
      if (m.kind === "Method" && m.body) this.fn(m, m.params, m.body);
      if (m.kind === "Field" && m.static && m.init) this.expr(m.init);
    }
  }

  // ---------------------------------------------------------------- statements

  private stmt(s: A.Stmt): void {
    switch (s.kind) {
      case "VarDecl":
        for (const d of s.declarations) {
          if (d.init) this.expr(d.init);
          this.patternDefaults(d.target);
        }
        return;
      case "FunctionDecl":
        if (s.body) this.fn(s, s.params, s.body);
        return;
      case "ClassDecl":
        this.classDecl(s);
        return;
      case "Return":
        if (s.argument) this.expr(s.argument);
        return;
      case "If":
        this.expr(s.test);
        this.stmt(s.consequent);
        if (s.alternate) this.stmt(s.alternate);
        return;
      case "For":
        this.push();
        if (s.init && s.init.kind === "VarDecl") {
          for (const d of s.init.declarations) this.declarePattern(d.target);
          this.stmt(s.init);
        } else if (s.init) {
          this.expr(s.init as A.Expr);
        }
        if (s.test) this.expr(s.test);
        if (s.update) this.expr(s.update);
        this.stmt(s.body);
        this.pop();
        return;
      case "ForOf":
        this.expr(s.iterable);
        this.push();
        if (s.declKind !== null) {
          this.declarePattern(s.target as A.Pattern);
          this.patternDefaults(s.target as A.Pattern);
        } else {
          this.assignTarget(s.target as A.Expr);
        }
        this.stmt(s.body);
        this.pop();
        return;
      case "While":
        this.expr(s.test);
        this.stmt(s.body);
        return;
      case "DoWhile":
        this.stmt(s.body);
        this.expr(s.test);
        return;
      case "Labeled":
        this.stmt(s.body);
        return;
      case "Switch": {
        this.expr(s.discriminant);
        this.push();
        this.declareAll(lexicalDeclarations(s.cases.flatMap((c) => c.body)));
        for (const c of s.cases) {
          if (c.test) this.expr(c.test);
          for (const b of c.body) this.stmt(b);
        }
        this.pop();
        return;
      }
      case "Throw":
        this.expr(s.argument);
        return;
      case "Try":
        this.block(s.block.body);
        if (s.catchBody) {
          this.push();
          if (s.catchParam) {
            this.declarePattern(s.catchParam);
            this.patternDefaults(s.catchParam);
          }
          this.block(s.catchBody.body);
          this.pop();
        }
        if (s.finallyBody) this.block(s.finallyBody.body);
        return;
      case "Block":
        this.block(s.body);
        return;
      case "ExprStmt":
        this.expr(s.expression);
        return;
      default:
        return; // types, imports, exports, empty statements: no code
    }
  }

  private assignTarget(target: A.Expr | A.ArrayPattern | A.ObjectPattern): void {
    if (target.kind === "ArrayPattern" || target.kind === "ObjectPattern") this.patternReferences(target);
    else this.expr(target);
  }

  // ---------------------------------------------------------------- expressions

  private args(args: (A.Expr | A.SpreadElement)[]): void {
    for (const a of args) this.expr(a.kind === "Spread" ? a.argument : a);
  }

  private expr(e: A.Expr): void {
    switch (e.kind) {
      case "Identifier":
        this.reference(e.name);
        return;
      case "This":
        this.useThis();
        return;
      case "Super":
        this.useThis();
        return;
      case "TemplateLiteral":
        e.expressions.forEach((x) => this.expr(x));
        return;
      case "ArrayLiteral":
        this.args(e.elements);
        return;
      case "ObjectLiteral":
        for (const p of e.properties) {
          if (p.kind === "PropertyAssignment") this.expr(p.value);
          else if (p.kind === "Spread") this.expr(p.argument);
          else this.fn(p.fn, p.fn.params, p.fn.body, { isObjectMethod: true });
        }
        return;
      case "FunctionExpr":
        this.fn(e, e.params, e.body, { ownName: e });
        return;
      case "ArrowFunction":
        this.fn(e, e.params, e.body, { isArrow: true });
        return;
      case "Call":
        this.expr(e.callee);
        this.args(e.args);
        return;
      case "AsyncCall":
        this.expr(e.call);
        return;
      case "New":
        this.expr(e.callee);
        this.args(e.args);
        return;
      case "Member":
        this.expr(e.object);
        return;
      case "Index":
        this.expr(e.object);
        this.expr(e.index);
        return;
      case "Unary":
        this.expr(e.operand);
        return;
      case "Update":
        this.expr(e.operand);
        return;
      case "Binary":
        this.expr(e.left);
        this.expr(e.right);
        return;
      case "Assign":
        this.assignTarget(e.target);
        this.expr(e.value);
        return;
      case "Conditional":
        this.expr(e.test);
        this.expr(e.consequent);
        this.expr(e.alternate);
        return;
      case "Await":
        this.expr(e.argument);
        return;
      case "As":
      case "Paren":
        this.expr(e.expression);
        return;
      default:
        return; // literals
    }
  }
}

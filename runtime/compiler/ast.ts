// The Raya syntax tree. Produced by the parser, annotated by the checker, read by codegen.
// Every node carries its file, 1-based line and column, and [start, end) source offsets so
// diagnostics, the line table and the debugger can all point back at the source.

export interface NodeBase {
  file: string;
  line: number; // 1-based
  col: number; // 1-based, in UTF-16 code units
  start: number; // offset of the first character
  end: number; // offset just past the last character
}

// ---------------------------------------------------------------- types (syntax)

export type TypeNode =
  | TypeRef
  | ArrayTypeNode
  | TupleTypeNode
  | ObjectTypeNode
  | UnionTypeNode
  | IntersectionTypeNode
  | FunctionTypeNode
  | LiteralTypeNode
  | ParenTypeNode;

/** `number`, `int`, `string`, `boolean`, `void`, `null`, `any` and named types all arrive here. */
export interface TypeRef extends NodeBase {
  kind: "TypeRef";
  name: string; // may be dotted for future namespaces; today a plain identifier
  typeArgs: TypeNode[];
}
export interface ArrayTypeNode extends NodeBase {
  kind: "ArrayType";
  element: TypeNode;
}
export interface TupleTypeNode extends NodeBase {
  kind: "TupleType";
  elements: TypeNode[];
}
export interface PropertySignature extends NodeBase {
  kind: "PropertySignature";
  name: string;
  optional: boolean;
  readonly: boolean;
  type: TypeNode;
}
export interface MethodSignature extends NodeBase {
  kind: "MethodSignature";
  name: string;
  optional: boolean;
  typeParams: TypeParam[];
  params: Param[];
  returnType: TypeNode | null;
}
export interface ObjectTypeNode extends NodeBase {
  kind: "ObjectType";
  members: (PropertySignature | MethodSignature)[];
}
export interface UnionTypeNode extends NodeBase {
  kind: "UnionType";
  types: TypeNode[];
}
export interface IntersectionTypeNode extends NodeBase {
  kind: "IntersectionType";
  types: TypeNode[];
}
export interface FunctionTypeNode extends NodeBase {
  kind: "FunctionType";
  typeParams: TypeParam[];
  params: Param[];
  returnType: TypeNode;
}
export interface LiteralTypeNode extends NodeBase {
  kind: "LiteralType";
  value: string | number | boolean;
}
export interface ParenTypeNode extends NodeBase {
  kind: "ParenType";
  type: TypeNode;
}
export interface TypeParam extends NodeBase {
  kind: "TypeParam";
  name: string;
  constraint: TypeNode | null;
  default: TypeNode | null;
}

// ---------------------------------------------------------------- patterns

export type Pattern = IdentifierPattern | ArrayPattern | ObjectPattern | MemberTargetPattern;

export interface IdentifierPattern extends NodeBase {
  kind: "IdentifierPattern";
  name: string;
}
/** A property or element written as a destructuring-assignment target: the `xs[0]` and
 *  `this.x` in `[xs[0], this.x] = pair`. Only destructuring assignments (and `for...of` heads
 *  without `let`/`const`) contain one; declarations and parameters never do. */
export interface MemberTargetPattern extends NodeBase {
  kind: "MemberTargetPattern";
  target: MemberExpr | IndexExpr;
}
export interface ArrayPatternElement extends NodeBase {
  kind: "ArrayPatternElement";
  target: Pattern;
  default: Expr | null;
}
export interface ArrayPattern extends NodeBase {
  kind: "ArrayPattern";
  elements: (ArrayPatternElement | null)[]; // null = hole: `[, b]`
  rest: Pattern | null;
}
export interface ObjectPatternProperty extends NodeBase {
  kind: "ObjectPatternProperty";
  key: string;
  target: Pattern; // `{ a }` has target IdentifierPattern "a"; `{ a: b }` has "b"
  default: Expr | null;
}
export interface ObjectPattern extends NodeBase {
  kind: "ObjectPattern";
  properties: ObjectPatternProperty[];
  rest: IdentifierPattern | null;
}

export type Accessibility = "public" | "private" | "protected";

export interface Param extends NodeBase {
  kind: "Param";
  pattern: Pattern;
  type: TypeNode | null;
  optional: boolean; // `x?: T`
  default: Expr | null;
  rest: boolean; // `...xs: T[]`
  /** Constructor parameter properties: `constructor(private x: number)`. */
  accessibility: Accessibility | null;
  readonly: boolean;
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | NumberLiteral
  | StringLiteral
  | TemplateLiteral
  | BooleanLiteral
  | NullLiteral
  | Identifier
  | ThisExpr
  | SuperExpr
  | ArrayLiteral
  | ObjectLiteral
  | FunctionExpr
  | ArrowFunction
  | CallExpr
  | AsyncCallExpr
  | NewExpr
  | MemberExpr
  | IndexExpr
  | UnaryExpr
  | UpdateExpr
  | BinaryExpr
  | AssignExpr
  | ConditionalExpr
  | AwaitExpr
  | AsExpr
  | ParenExpr
  | ErrorExpr;

export interface NumberLiteral extends NodeBase {
  kind: "NumberLiteral";
  value: number;
  raw: string;
  /** True when written without fraction or exponent and the value fits in int32. */
  isInt: boolean;
}
export interface StringLiteral extends NodeBase {
  kind: "StringLiteral";
  value: string;
}
export interface TemplateLiteral extends NodeBase {
  kind: "TemplateLiteral";
  quasis: string[]; // cooked text; quasis.length === expressions.length + 1
  expressions: Expr[];
}
export interface BooleanLiteral extends NodeBase {
  kind: "BooleanLiteral";
  value: boolean;
}
export interface NullLiteral extends NodeBase {
  kind: "NullLiteral";
}
export interface Identifier extends NodeBase {
  kind: "Identifier";
  name: string;
}
export interface ThisExpr extends NodeBase {
  kind: "This";
}
/** Only valid as `super(...)` callee or `super.name` object. */
export interface SuperExpr extends NodeBase {
  kind: "Super";
}
export interface SpreadElement extends NodeBase {
  kind: "Spread";
  argument: Expr;
}
export interface ArrayLiteral extends NodeBase {
  kind: "ArrayLiteral";
  elements: (Expr | SpreadElement)[];
}
export interface PropertyAssignment extends NodeBase {
  kind: "PropertyAssignment";
  key: string; // identifier, string or numeric key, as written (numbers in canonical form)
  value: Expr;
  shorthand: boolean; // `{ a }`
}
export interface ObjectMethod extends NodeBase {
  kind: "ObjectMethod";
  key: string;
  fn: FunctionExpr;
}
export interface ObjectLiteral extends NodeBase {
  kind: "ObjectLiteral";
  properties: (PropertyAssignment | ObjectMethod | SpreadElement)[];
}

export interface FunctionLike {
  typeParams: TypeParam[];
  params: Param[];
  returnType: TypeNode | null;
  async: boolean;
}
export interface FunctionExpr extends NodeBase, FunctionLike {
  kind: "FunctionExpr";
  name: string | null;
  body: Block;
}
export interface ArrowFunction extends NodeBase, FunctionLike {
  kind: "ArrowFunction";
  body: Block | Expr; // an expression body is an implicit return
}
export interface CallExpr extends NodeBase {
  kind: "Call";
  callee: Expr; // Super for `super(...)`
  typeArgs: TypeNode[];
  args: (Expr | SpreadElement)[];
  optional: boolean; // `f?.()`
}
/** Raya's `async f(x)` prefix: run the call in a new Task; evaluates to Task<T>. */
export interface AsyncCallExpr extends NodeBase {
  kind: "AsyncCall";
  call: CallExpr;
}
export interface NewExpr extends NodeBase {
  kind: "New";
  callee: Expr;
  typeArgs: TypeNode[];
  args: (Expr | SpreadElement)[];
}
export interface MemberExpr extends NodeBase {
  kind: "Member";
  object: Expr; // Super for `super.m`
  name: string;
  optional: boolean; // `a?.b`
  /** Column/line of the property name, for diagnostics such as "no method m". */
  nameLine: number;
  nameCol: number;
}
export interface IndexExpr extends NodeBase {
  kind: "Index";
  object: Expr;
  index: Expr;
  optional: boolean; // `a?.[i]`
}

export type UnaryOp = "-" | "+" | "!" | "~" | "typeof";
export interface UnaryExpr extends NodeBase {
  kind: "Unary";
  op: UnaryOp;
  operand: Expr;
  /** Set by the checker: the operand is `int` and the result wraps as int32 (`-`). */
  intArith?: boolean;
}
export interface UpdateExpr extends NodeBase {
  kind: "Update";
  op: "++" | "--";
  prefix: boolean;
  operand: Expr; // Identifier, Member or Index
  /** Set by the checker: the operand is `int` (wraps as int32). */
  intArith?: boolean;
}

export type BinaryOp =
  | "+" | "-" | "*" | "/" | "%" | "**"
  | "==" | "!=" | "===" | "!==" | "<" | "<=" | ">" | ">="
  | "&" | "|" | "^" | "<<" | ">>" | ">>>"
  | "&&" | "||" | "??"
  | "instanceof" | "in";
export interface BinaryExpr extends NodeBase {
  kind: "Binary";
  op: BinaryOp;
  left: Expr;
  right: Expr;
  /** Set by the checker: both operands are `int` and the op is + - * % (int32 wrap). */
  intArith?: boolean;
}

export type AssignOp =
  | "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "**="
  | "&=" | "|=" | "^=" | "<<=" | ">>=" | ">>>="
  | "&&=" | "||=" | "??=";
export interface AssignExpr extends NodeBase {
  kind: "Assign";
  op: AssignOp;
  /** Identifier, Member, Index, or (for `=` only) an ArrayPattern/ObjectPattern destructuring. */
  target: Expr | ArrayPattern | ObjectPattern;
  value: Expr;
  /** Set by the checker for compound ops whose operands are both `int`. */
  intArith?: boolean;
}
export interface ConditionalExpr extends NodeBase {
  kind: "Conditional";
  test: Expr;
  consequent: Expr;
  alternate: Expr;
}
export interface AwaitExpr extends NodeBase {
  kind: "Await";
  argument: Expr;
}
/** `e as T`: the checker allows only conversions it can prove safe (upcasts). */
export interface AsExpr extends NodeBase {
  kind: "As";
  expression: Expr;
  type: TypeNode;
}
export interface ParenExpr extends NodeBase {
  kind: "Paren";
  expression: Expr;
}
/** Placeholder left by parser error recovery; a program containing one never reaches codegen. */
export interface ErrorExpr extends NodeBase {
  kind: "ErrorExpr";
}

// ---------------------------------------------------------------- statements

export type Stmt =
  | VarDecl
  | FunctionDecl
  | ClassDecl
  | TypeAliasDecl
  | InterfaceDecl
  | ImportDecl
  | ExportNamedDecl
  | ReturnStmt
  | IfStmt
  | ForStmt
  | ForOfStmt
  | WhileStmt
  | DoWhileStmt
  | BreakStmt
  | ContinueStmt
  | LabeledStmt
  | SwitchStmt
  | ThrowStmt
  | TryStmt
  | Block
  | ExprStmt
  | EmptyStmt
  | ErrorStmt;

/** Shared by declarations that may carry `export` / `declare`. */
export interface DeclModifiers {
  exported: boolean;
  /** `declare ...`: a body-less declaration (used by the built-in library declarations). */
  declared: boolean;
}

export interface VarDeclarator extends NodeBase {
  kind: "VarDeclarator";
  target: Pattern;
  type: TypeNode | null;
  init: Expr | null;
}
export interface VarDecl extends NodeBase, DeclModifiers {
  kind: "VarDecl";
  declKind: "let" | "const";
  declarations: VarDeclarator[];
}
export interface FunctionDecl extends NodeBase, FunctionLike, DeclModifiers {
  kind: "FunctionDecl";
  name: string;
  body: Block | null; // null only when `declared`
}

export interface FieldMember extends NodeBase {
  kind: "Field";
  name: string;
  type: TypeNode | null;
  init: Expr | null;
  optional: boolean;
  static: boolean;
  readonly: boolean;
  accessibility: Accessibility | null;
}
export interface MethodMember extends NodeBase, FunctionLike {
  kind: "Method";
  name: string;
  methodKind: "method" | "get" | "set";
  static: boolean;
  abstract: boolean;
  accessibility: Accessibility | null;
  body: Block | null; // null for abstract or declared methods
}
export interface ConstructorMember extends NodeBase {
  kind: "Constructor";
  params: Param[];
  accessibility: Accessibility | null;
  body: Block | null;
}
export type ClassMember = FieldMember | MethodMember | ConstructorMember;

export interface HeritageClause extends NodeBase {
  kind: "Heritage";
  name: string;
  typeArgs: TypeNode[];
}
export interface ClassDecl extends NodeBase, DeclModifiers {
  kind: "ClassDecl";
  name: string;
  typeParams: TypeParam[];
  extends: HeritageClause | null;
  implements: HeritageClause[];
  abstract: boolean;
  members: ClassMember[];
}
export interface TypeAliasDecl extends NodeBase, DeclModifiers {
  kind: "TypeAlias";
  name: string;
  typeParams: TypeParam[];
  type: TypeNode;
}
export interface InterfaceDecl extends NodeBase, DeclModifiers {
  kind: "Interface";
  name: string;
  typeParams: TypeParam[];
  extends: HeritageClause[];
  members: (PropertySignature | MethodSignature)[];
}

export interface ImportSpecifier extends NodeBase {
  kind: "ImportSpecifier";
  imported: string;
  local: string;
}
export interface ImportDecl extends NodeBase {
  kind: "Import";
  specifiers: ImportSpecifier[];
  /** `import * as ns from "..."` */
  namespace: string | null;
  source: string; // "./util", "std:math", "raya:vm", "host:"
  sourceLine: number;
  sourceCol: number;
}
export interface ExportSpecifier extends NodeBase {
  kind: "ExportSpecifier";
  local: string;
  exported: string;
}
/** `export { a, b as c };` (exported declarations use the `exported` flag instead). */
export interface ExportNamedDecl extends NodeBase {
  kind: "ExportNamed";
  specifiers: ExportSpecifier[];
}

export interface ReturnStmt extends NodeBase {
  kind: "Return";
  argument: Expr | null;
}
export interface IfStmt extends NodeBase {
  kind: "If";
  test: Expr;
  consequent: Stmt;
  alternate: Stmt | null;
}
export interface ForStmt extends NodeBase {
  kind: "For";
  init: VarDecl | Expr | null;
  test: Expr | null;
  update: Expr | null;
  body: Stmt;
}
export interface ForOfStmt extends NodeBase {
  kind: "ForOf";
  declKind: "let" | "const" | null; // null: assigns to an existing target
  target: Pattern | Expr; // Pattern when declKind != null
  iterable: Expr;
  body: Stmt;
}
export interface WhileStmt extends NodeBase {
  kind: "While";
  test: Expr;
  body: Stmt;
}
export interface DoWhileStmt extends NodeBase {
  kind: "DoWhile";
  body: Stmt;
  test: Expr;
}
export interface BreakStmt extends NodeBase {
  kind: "Break";
  label: string | null;
}
export interface ContinueStmt extends NodeBase {
  kind: "Continue";
  label: string | null;
}
export interface LabeledStmt extends NodeBase {
  kind: "Labeled";
  label: string;
  body: Stmt;
}
export interface SwitchCase extends NodeBase {
  kind: "SwitchCase";
  test: Expr | null; // null = default
  body: Stmt[];
}
export interface SwitchStmt extends NodeBase {
  kind: "Switch";
  discriminant: Expr;
  cases: SwitchCase[];
}
export interface ThrowStmt extends NodeBase {
  kind: "Throw";
  argument: Expr;
}
export interface TryStmt extends NodeBase {
  kind: "Try";
  block: Block;
  catchParam: Pattern | null; // `catch {` without a binding has null
  catchBody: Block | null;
  finallyBody: Block | null;
}
export interface Block extends NodeBase {
  kind: "Block";
  body: Stmt[];
}
export interface ExprStmt extends NodeBase {
  kind: "ExprStmt";
  expression: Expr;
}
export interface EmptyStmt extends NodeBase {
  kind: "Empty";
}
/** Placeholder left by parser error recovery. */
export interface ErrorStmt extends NodeBase {
  kind: "ErrorStmt";
}

export interface SourceFile {
  kind: "SourceFile";
  file: string;
  text: string;
  body: Stmt[];
}

export type Node =
  | Expr
  | Stmt
  | TypeNode
  | Pattern
  | Param
  | TypeParam
  | PropertySignature
  | MethodSignature
  | ArrayPatternElement
  | ObjectPatternProperty
  | SpreadElement
  | PropertyAssignment
  | ObjectMethod
  | VarDeclarator
  | ClassMember
  | HeritageClause
  | ImportSpecifier
  | ExportSpecifier
  | SwitchCase;

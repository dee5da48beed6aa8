// Read-only questions about an analysed program, for the language server: which node is at an
// offset, what its type and declaration are, the outline of a file, the members of a type and
// the names in scope at a position. Everything here reads the parser's tree and the checker's
// results (`analyze`); nothing changes them.
import type { Node, SourceFile, Stmt, Pattern, ClassMember, FunctionLike, Block } from "./ast";
import type { AnalysisResult } from "./compile";
import { libraryDeclarations, rayaVmDeclarations } from "./checker";
import { RAYA_VM_FILENAME } from "./checker/raya-vm";
import { mappingOf, subst, typeToString, type Type } from "./checker/types";

/** A node is any object of the tree with a `kind` and source offsets. */
function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string"
    && typeof (value as { start?: unknown }).start === "number";
}

/** The direct children of a node, found by shape so new node kinds need no change here. */
export function childNodes(node: Node | SourceFile): Node[] {
  const children: Node[] = [];
  for (const key of Object.keys(node)) {
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) children.push(item);
    } else if (isNode(value)) {
      children.push(value);
    }
  }
  return children;
}

/**
 * The chain of nodes containing `offset`, outermost first, innermost last (empty when the
 * offset is between top-level statements). An offset equal to a node's end counts as inside,
 * so a cursor just after an identifier finds it.
 */
export function nodePathAt(file: SourceFile, offset: number): Node[] {
  const path: Node[] = [];
  let children = childNodes(file);
  for (;;) {
    const inner = innermostChildAt(children, offset);
    if (!inner) return path;
    path.push(inner);
    children = childNodes(inner);
  }
}

/** Of the children containing the offset, the narrowest (a cursor touching two nodes picks the later). */
function innermostChildAt(children: Node[], offset: number): Node | null {
  let best: Node | null = null;
  for (const child of children) {
    if (child.start <= offset && offset <= child.end && child.end > child.start) {
      if (!best || child.start >= best.start) best = child;
    }
  }
  return best;
}

export interface TypeAtResult {
  node: Node;
  type: string;
}

/** The type of the innermost expression at `offset` that the checker typed, as displayed in diagnostics. */
export function typeAt(analysis: AnalysisResult, file: SourceFile, offset: number): TypeAtResult | null {
  const path = nodePathAt(file, offset);
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i];
    const type = typeOfAnyNode(analysis, node);
    if (type) return { node, type: analysis.check.typeToString(type) };
  }
  return null;
}

function typeOfAnyNode(analysis: AnalysisResult, node: Node): Type | undefined {
  // typeOf is keyed by node identity; a non-expression is simply absent.
  return analysis.check.typeOf(node as Parameters<AnalysisResult["check"]["typeOf"]>[0]);
}

/** The declaration that the identifier, member name or type name at `offset` refers to. */
export function definitionAt(analysis: AnalysisResult, file: SourceFile, offset: number): Node | null {
  const path = nodePathAt(file, offset);
  for (let i = path.length - 1; i >= 0; i--) {
    const target = analysis.check.definitionOf(path[i]);
    if (target) return target;
  }
  return null;
}

/** The name a declaration introduces, or null for nodes without one. */
export function declaredName(node: Node): string | null {
  switch (node.kind) {
    case "FunctionDecl":
    case "ClassDecl":
    case "Interface":
    case "TypeAlias":
    case "Field":
    case "Method":
    case "PropertySignature":
    case "MethodSignature":
    case "Heritage":
    case "TypeParam":
    case "IdentifierPattern":
      return node.name;
    case "ImportSpecifier":
      return node.local;
    case "Constructor":
      return "constructor";
    case "VarDeclarator":
      return node.target.kind === "IdentifierPattern" ? node.target.name : null;
    case "Param":
      return node.pattern.kind === "IdentifierPattern" ? node.pattern.name : null;
    default:
      return null;
  }
}

/**
 * The offsets of a declaration's name within its source text (the whole node when the name
 * cannot be found). Declarations carry no separate name position, so the name is searched as
 * a whole word after the node's start.
 */
export function nameSpan(node: Node, text: string): { start: number; end: number } {
  const name = declaredName(node);
  if (name) {
    const wordPattern = new RegExp(`(?<![A-Za-z0-9_$])${name.replace(/\$/g, "\\$")}(?![A-Za-z0-9_$])`, "g");
    wordPattern.lastIndex = node.start;
    const match = wordPattern.exec(text);
    if (match && match.index < node.end) return { start: match.index, end: match.index + name.length };
  }
  return { start: node.start, end: node.end };
}

// ---------------------------------------------------------------- outline

export type OutlineKind = "function" | "class" | "interface" | "typeAlias" | "variable" | "constant"
  | "field" | "method" | "constructor" | "property";

export interface OutlineSymbol {
  name: string;
  kind: OutlineKind;
  /** Whole declaration. */
  start: number;
  end: number;
  /** The name within the declaration. */
  nameStart: number;
  nameEnd: number;
  children: OutlineSymbol[];
}

/** The file's top-level declarations (exported or not), classes and interfaces with their members. */
export function documentOutline(file: SourceFile): OutlineSymbol[] {
  const symbols: OutlineSymbol[] = [];
  for (const stmt of file.body) symbols.push(...outlineOfStatement(stmt, file.text));
  return symbols;
}

function outlineOfStatement(stmt: Stmt, text: string): OutlineSymbol[] {
  switch (stmt.kind) {
    case "FunctionDecl":
      return [outlineSymbol(stmt, stmt.name, "function", text, [])];
    case "ClassDecl":
      return [outlineSymbol(stmt, stmt.name, "class", text, stmt.members.map((m) => outlineOfClassMember(m, text)))];
    case "Interface":
      return [outlineSymbol(stmt, stmt.name, "interface", text,
        stmt.members.map((m) => outlineSymbol(m, m.name, m.kind === "MethodSignature" ? "method" : "property", text, [])))];
    case "TypeAlias":
      return [outlineSymbol(stmt, stmt.name, "typeAlias", text, [])];
    case "VarDecl":
      return stmt.declarations.flatMap((d) =>
        patternNames(d.target).map((p) => outlineSymbol(p, p.name, stmt.declKind === "const" ? "constant" : "variable", text, [], d)));
    default:
      return [];
  }
}

function outlineOfClassMember(member: ClassMember, text: string): OutlineSymbol {
  switch (member.kind) {
    case "Field":
      return outlineSymbol(member, member.name, "field", text, []);
    case "Method":
      return outlineSymbol(member, member.name, "method", text, []);
    case "Constructor":
      return outlineSymbol(member, "constructor", "constructor", text, []);
  }
}

function outlineSymbol(node: Node, name: string, kind: OutlineKind, text: string, children: OutlineSymbol[], whole: Node = node): OutlineSymbol {
  const span = nameSpan(node, text);
  return { name, kind, start: whole.start, end: whole.end, nameStart: span.start, nameEnd: span.end, children };
}

/** Identifier patterns bound by a (possibly destructuring) pattern. */
function patternNames(pattern: Pattern): Extract<Pattern, { kind: "IdentifierPattern" }>[] {
  switch (pattern.kind) {
    case "IdentifierPattern":
      return [pattern];
    case "ArrayPattern":
      return [
        ...pattern.elements.flatMap((e) => (e ? patternNames(e.target) : [])),
        ...(pattern.rest ? patternNames(pattern.rest) : []),
      ];
    case "ObjectPattern":
      return [
        ...pattern.properties.flatMap((p) => patternNames(p.target)),
        ...(pattern.rest ? [pattern.rest] : []),
      ];
    default:
      return [];
  }
}

// ---------------------------------------------------------------- members of a type

export type MemberKind = "field" | "method" | "property";

export interface TypeMember {
  name: string;
  kind: MemberKind;
  /** The member's type (or, for library members of primitives, its declaration text). */
  detail: string;
}

/** The members a `.` after a value of type `type` can name; empty for types without members. */
export function membersOfType(type: Type): TypeMember[] {
  return collectMembers(type, 0);
}

const MAX_ALIAS_DEPTH = 8;

function collectMembers(type: Type, depth: number): TypeMember[] {
  if (depth > MAX_ALIAS_DEPTH) return [];
  switch (type.kind) {
    case "string":
      return libraryInterfaceMembers("String");
    case "int":
    case "number":
      return libraryInterfaceMembers("Number");
    case "literal":
      return libraryInterfaceMembers(type.base === "string" ? "String" : type.base === "boolean" ? "" : "Number");
    case "array":
    case "tuple":
      return libraryInterfaceMembers("Array");
    case "object":
      return [...type.props.values()].map((p) => ({
        name: p.name,
        kind: p.method || p.type.kind === "function" ? "method" : "property",
        detail: typeToString(p.type),
      }));
    case "class":
      return classMembers(type.cls.instanceMembers(), mappingOf(type.cls.typeParams, type.args));
    case "classStatic":
      return classMembers(type.cls.staticMembers(), null);
    case "alias":
      return collectMembers(subst(type.alias.body(), mappingOf(type.alias.typeParams, type.args)), depth + 1);
    case "namespace":
      return [...type.values].map(([name, valueType]) => {
        const resolved = valueType();
        return { name, kind: resolved.kind === "function" ? "method" : "property", detail: typeToString(resolved) };
      });
    case "param":
      return type.constraint ? collectMembers(type.constraint, depth + 1) : [];
    case "union":
      return commonMembers(type.types.filter((t) => t.kind !== "null").map((t) => collectMembers(t, depth + 1)));
    case "intersection":
      return uniqueByName(type.types.flatMap((t) => collectMembers(t, depth + 1)));
    default:
      return [];
  }
}

function classMembers(members: Map<string, { name: string; kind: string; type(): Type; accessibility: string }>, mapping: ReturnType<typeof mappingOf> | null): TypeMember[] {
  const result: TypeMember[] = [];
  for (const member of members.values()) {
    // Private and protected members are only reachable inside the class; offering them
    // everywhere would suggest code the checker rejects, so only public ones are listed.
    if (member.accessibility !== "public") continue;
    const type = mapping ? subst(member.type(), mapping) : member.type();
    result.push({ name: member.name, kind: member.kind === "method" ? "method" : "field", detail: typeToString(type) });
  }
  return result;
}

/** Members present in every alternative of a union (what the checker lets `.` reach). */
function commonMembers(lists: TypeMember[][]): TypeMember[] {
  if (lists.length === 0) return [];
  const [first, ...rest] = lists;
  return first.filter((m) => rest.every((list) => list.some((other) => other.name === m.name)));
}

function uniqueByName(members: TypeMember[]): TypeMember[] {
  const seen = new Set<string>();
  return members.filter((m) => (seen.has(m.name) ? false : (seen.add(m.name), true)));
}


function libraryInterfaceMembers(name: string): TypeMember[] {
  const lib = libraryDeclarations();
  const decl = lib.body.find((s) => s.kind === "Interface" && s.name === name);
  if (!decl || decl.kind !== "Interface") return [];
  return uniqueByName(decl.members.map((m) => ({
    name: m.name,
    kind: m.kind === "MethodSignature" ? "method" : "property",
    detail: lib.text.slice(m.start, m.end).replace(/;$/, ""),
  })));
}

// ---------------------------------------------------------------- names in scope

export type ScopeNameKind = "function" | "class" | "interface" | "typeAlias" | "variable" | "constant" | "parameter" | "import";

export interface ScopeName {
  name: string;
  kind: ScopeNameKind;
}

/**
 * Names visible at `offset`: declarations of the enclosing blocks, functions and classes'
 * type parameters, the file's top level and imports, the prelude's exports and the library's
 * globals. Declarations are listed regardless of whether they come before the offset
 * (functions and classes are hoisted; an early `let` is the checker's to report).
 */
export function namesInScope(analysis: AnalysisResult, file: SourceFile, offset: number): ScopeName[] {
  const names: ScopeName[] = [];
  for (const stmt of file.body) names.push(...namesDeclaredBy(stmt));
  for (const node of nodePathAt(file, offset)) names.push(...namesIntroducedInside(node, offset));
  for (const stmt of analysis.graph.prelude.body) {
    if ("exported" in stmt && stmt.exported) names.push(...namesDeclaredBy(stmt));
  }
  for (const stmt of libraryDeclarations().body) {
    if (stmt.kind !== "Interface") names.push(...namesDeclaredBy(stmt));
  }
  const seen = new Set<string>();
  return names.filter((n) => n.name !== "" && (seen.has(n.name) ? false : (seen.add(n.name), true)));
}

function namesDeclaredBy(stmt: Stmt): ScopeName[] {
  switch (stmt.kind) {
    case "FunctionDecl":
      return [{ name: stmt.name, kind: "function" }];
    case "ClassDecl":
      return [{ name: stmt.name, kind: "class" }];
    case "Interface":
      return [{ name: stmt.name, kind: "interface" }];
    case "TypeAlias":
      return [{ name: stmt.name, kind: "typeAlias" }];
    case "VarDecl":
      return stmt.declarations.flatMap((d) => patternNames(d.target))
        .map((p) => ({ name: p.name, kind: stmt.declKind === "const" ? "constant" as const : "variable" as const }));
    case "Import":
      return [
        ...stmt.specifiers.map((s) => ({ name: s.local, kind: "import" as const })),
        ...(stmt.namespace ? [{ name: stmt.namespace, kind: "import" as const }] : []),
      ];
    default:
      return [];
  }
}

/** Names a node on the path to the cursor brings into scope for code inside it. */
function namesIntroducedInside(node: Node, offset: number): ScopeName[] {
  const names: ScopeName[] = [];
  if (isFunctionLike(node)) {
    for (const param of node.params) {
      for (const p of patternNames(param.pattern)) names.push({ name: p.name, kind: "parameter" });
    }
    for (const t of node.typeParams) names.push({ name: t.name, kind: "typeAlias" });
  }
  if (node.kind === "Constructor") {
    for (const param of node.params) {
      for (const p of patternNames(param.pattern)) names.push({ name: p.name, kind: "parameter" });
    }
  }
  if (node.kind === "ClassDecl" || node.kind === "Interface" || node.kind === "TypeAlias") {
    for (const t of node.typeParams) names.push({ name: t.name, kind: "typeAlias" });
  }
  if (node.kind === "Block") names.push(...namesOfBlock(node));
  if (node.kind === "For" && node.init && node.init.kind === "VarDecl") names.push(...namesDeclaredBy(node.init));
  if (node.kind === "ForOf" && node.declKind !== null) {
    for (const p of patternNames(node.target as Pattern)) names.push({ name: p.name, kind: node.declKind === "const" ? "constant" : "variable" });
  }
  if (node.kind === "Try" && node.catchParam && node.catchBody && offset >= node.catchBody.start) {
    for (const p of patternNames(node.catchParam)) names.push({ name: p.name, kind: "variable" });
  }
  return names;
}

function namesOfBlock(block: Block): ScopeName[] {
  return block.body.flatMap((stmt) => namesDeclaredBy(stmt));
}

function isFunctionLike(node: Node): node is Node & FunctionLike {
  return node.kind === "FunctionDecl" || node.kind === "FunctionExpr" || node.kind === "ArrowFunction"
    || node.kind === "Method";
}

export interface ModuleExport {
  name: string;
  kind: "class" | "type";
}

/** What a module built into the runtime (`raya:vm`) exports, read from the declarations the
 *  checker binds; null for any other specifier. */
export function builtinModuleExports(specifier: string): ModuleExport[] | null {
  if (specifier !== RAYA_VM_FILENAME) return null;
  const exports: ModuleExport[] = [];
  for (const s of rayaVmDeclarations().body) {
    if (s.kind === "ClassDecl" && s.exported) exports.push({ name: s.name, kind: "class" });
    else if ((s.kind === "TypeAlias" || s.kind === "Interface") && s.exported) exports.push({ name: s.name, kind: "type" });
  }
  return exports;
}

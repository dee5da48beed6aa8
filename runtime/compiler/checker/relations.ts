// Relations between types: alias expansion, property lookup (including the library's members
// of arrays, strings and numbers), assignability and type-argument inference.
import {
  type AliasInfo,
  type ClassInfo,
  type ClassType,
  type MemberInfo,
  type ObjectType,
  type Signature,
  type Type,
  type TypeMapping,
  type TypeParamType,
  arity,
  errorType,
  intType,
  mappingOf,
  subst,
  substSig,
  typeToString,
  union,
  unknownType,
  widenLiteral,
} from "./types";

export interface PropertyLookup {
  type: Type;
  readonly: boolean;
  optional: boolean;
  method: boolean;
  /** Set for class members (for accessibility checks and go-to-definition). */
  member: MemberInfo | null;
}

/** The library declarations the relations need: members of arrays, strings, numbers; Task. */
export interface LibraryShapes {
  arrayInterface: AliasInfo | null;
  stringInterface: AliasInfo | null;
  numberInterface: AliasInfo | null;
  taskClass: ClassInfo | null;
}

export class Relations {
  private readonly assuming: string[] = [];
  constructor(readonly lib: LibraryShapes) {}

  /** Expands alias references until the head is not an alias. */
  expand(t: Type): Type {
    let guard = 0;
    while (t.kind === "alias") {
      if (guard++ > 50) return errorType;
      t = subst(t.alias.body(), mappingOf(t.alias.typeParams, t.args));
    }
    return t;
  }

  // ------------------------------------------------------------ classes

  /** The class's mapping of its own type parameters for instance type `t`. */
  classMapping(t: ClassType): TypeMapping {
    return mappingOf(t.cls.typeParams, t.args);
  }

  baseOf(t: ClassType): ClassType | null {
    const b = t.cls.base();
    if (!b) return null;
    return subst(b, this.classMapping(t)) as ClassType;
  }

  /** Finds a member along the inheritance chain; returns it with its type instantiated. */
  findMember(t: ClassType, name: string, isStatic: boolean): { member: MemberInfo; type: Type } | null {
    let cur: ClassType | null = t;
    let depth = 0;
    while (cur && depth++ < 100) {
      const members = isStatic ? cur.cls.staticMembers() : cur.cls.instanceMembers();
      const m = members.get(name);
      if (m) return { member: m, type: isStatic ? m.type() : subst(m.type(), this.classMapping(cur)) };
      cur = this.baseOf(cur);
    }
    return null;
  }

  /** All members visible on instances (or statics), nearest declaration wins. */
  allMembers(t: ClassType, isStatic: boolean): Map<string, { member: MemberInfo; type: Type }> {
    const out = new Map<string, { member: MemberInfo; type: Type }>();
    let cur: ClassType | null = t;
    let depth = 0;
    while (cur && depth++ < 100) {
      const members = isStatic ? cur.cls.staticMembers() : cur.cls.instanceMembers();
      for (const [name, m] of members) {
        if (!out.has(name)) out.set(name, { member: m, type: isStatic ? m.type() : subst(m.type(), this.classMapping(cur)) });
      }
      cur = this.baseOf(cur);
    }
    return out;
  }

  /** `derived` is `base` or inherits from it; returns `base`'s instantiation along the chain. */
  ancestorAs(derived: ClassType, base: ClassInfo): ClassType | null {
    let cur: ClassType | null = derived;
    let depth = 0;
    while (cur && depth++ < 100) {
      if (cur.cls === base) return cur;
      cur = this.baseOf(cur);
    }
    return null;
  }

  isNominal(t: ClassType): boolean {
    if (t.cls.declared) return true;
    for (const { member } of this.allMembers(t, false).values()) {
      if (member.accessibility !== "public") return true;
    }
    return false;
  }

  // ------------------------------------------------------------ properties

  getProperty(t: Type, name: string): PropertyLookup | null {
    if (t.kind === "alias") {
      // Interfaces and object aliases: instantiate only the property asked for.
      const body = t.alias.body();
      if (body.kind === "object") {
        const p = body.props.get(name);
        if (!p) return null;
        const type = t.args.length === 0 ? p.type : subst(p.type, mappingOf(t.alias.typeParams, t.args));
        return { type, readonly: p.readonly, optional: p.optional, method: p.method, member: null };
      }
    }
    t = this.expand(t);
    switch (t.kind) {
      case "error":
        return { type: errorType, readonly: false, optional: false, method: false, member: null };
      case "object": {
        const p = t.props.get(name);
        return p ? { type: p.type, readonly: p.readonly, optional: p.optional, method: p.method, member: null } : null;
      }
      case "class": {
        const found = this.findMember(t, name, false);
        return found ? this.memberLookup(found.member, found.type) : null;
      }
      case "classStatic": {
        const self: ClassType = { kind: "class", cls: t.cls, args: t.cls.typeParams };
        const found = this.findMember(self, name, true);
        return found ? this.memberLookup(found.member, found.type) : null;
      }
      case "string":
        return this.interfaceProperty(this.lib.stringInterface, [], name);
      case "number":
      case "int":
        return this.interfaceProperty(this.lib.numberInterface, [], name);
      case "literal":
        if (t.base === "string") return this.interfaceProperty(this.lib.stringInterface, [], name);
        if (t.base === "boolean") return null;
        return this.interfaceProperty(this.lib.numberInterface, [], name);
      case "array":
        return this.interfaceProperty(this.lib.arrayInterface, [t.element], name);
      case "tuple":
        if (name === "length") return { type: intType, readonly: true, optional: false, method: false, member: null };
        return this.interfaceProperty(this.lib.arrayInterface, [union(t.elements)], name);
      case "param":
        return t.constraint ? this.getProperty(t.constraint, name) : null;
      case "union": {
        const found = t.types.map((u) => this.getProperty(u, name));
        if (found.some((f) => f === null)) return null;
        const all = found as PropertyLookup[];
        return {
          type: union(all.map((f) => f.type)),
          readonly: all.some((f) => f.readonly),
          optional: all.some((f) => f.optional),
          method: all.every((f) => f.method),
          member: all.length === 1 ? all[0].member : null,
        };
      }
      case "intersection": {
        for (const u of t.types) {
          const f = this.getProperty(u, name);
          if (f) return f;
        }
        return null;
      }
      case "namespace": {
        const v = t.values.get(name);
        return v ? { type: v(), readonly: true, optional: false, method: false, member: null } : null;
      }
      default:
        return null;
    }
  }

  private memberLookup(member: MemberInfo, type: Type): PropertyLookup {
    const readonly = member.kind === "method" || member.readonly || (member.kind === "accessor" && !member.hasSetter);
    return { type, readonly, optional: member.optional, method: member.kind === "method", member };
  }

  private interfaceProperty(iface: AliasInfo | null, args: Type[], name: string): PropertyLookup | null {
    if (!iface) return null;
    return this.getProperty({ kind: "alias", alias: iface, args }, name);
  }

  /** Call signatures of a callee type; null when it is not callable. */
  callSignatures(t: Type): Signature[] | null {
    t = this.expand(t);
    if (t.kind === "function") return t.sigs;
    if (t.kind === "object" && t.calls.length > 0) return t.calls;
    if (t.kind === "param" && t.constraint) return this.callSignatures(t.constraint);
    if (t.kind === "intersection") {
      for (const u of t.types) {
        const s = this.callSignatures(u);
        if (s) return s;
      }
    }
    if (t.kind === "union") {
      // Calling a union of functions works when the members share one signature shape.
      const all = t.types.map((u) => this.callSignatures(u));
      if (all.every((s) => s && s.length === 1)) {
        const sigs = all.map((s) => s![0]);
        const first = sigs[0];
        if (sigs.every((s) => this.isAssignable({ kind: "function", sigs: [s] }, { kind: "function", sigs: [first] }))) {
          return [first];
        }
      }
    }
    return null;
  }

  /** `Task<T>` → T, else null. */
  taskResult(t: Type): Type | null {
    t = this.expand(t);
    if (t.kind === "class" && t.cls === this.lib.taskClass) return t.args[0] ?? unknownType;
    return null;
  }

  taskOf(t: Type): Type {
    const cls = this.lib.taskClass;
    if (!cls) return errorType;
    return { kind: "class", cls, args: [t] };
  }

  // ------------------------------------------------------------ assignability

  isAssignable(source: Type, target: Type): boolean {
    if (source === target) return true;
    if (source.kind === "error" || target.kind === "error") return true;
    if (source.kind === "never") return true;
    if (target.kind === "unknown") return true;
    if (source.kind === "alias" || target.kind === "alias") return this.assumingAssignable(source, target);
    if (source.kind === "union") return source.types.every((s) => this.isAssignable(s, target));
    if (target.kind === "union") {
      if (target.types.some((t) => this.isAssignable(source, t))) return true;
      // `boolean` fits `true | false` spread across a union with other members.
      if (source.kind === "boolean") {
        const lits = target.types.filter((t) => t.kind === "literal" && t.base === "boolean");
        return lits.length === 2;
      }
      return false;
    }
    if (target.kind === "intersection") return target.types.every((t) => this.isAssignable(source, t));
    if (source.kind === "intersection") {
      if (source.types.some((s) => this.isAssignable(s, target))) return true;
      if (target.kind === "object") return this.structurallyAssignable(source, target);
      return false;
    }
    if (source.kind === "param") {
      if (target.kind === "param") return source.id === target.id;
      return source.constraint !== null && this.isAssignable(source.constraint, target);
    }
    switch (target.kind) {
      case "never":
      case "param":
        return false;
      case "number":
        return source.kind === "number" || source.kind === "int" || (source.kind === "literal" && (source.base === "number" || source.base === "int"));
      case "int":
        return source.kind === "int" || (source.kind === "literal" && source.base === "int");
      case "string":
      case "boolean":
        return source.kind === target.kind || (source.kind === "literal" && source.base === target.kind);
      case "null":
      case "void":
        return source.kind === target.kind;
      case "literal":
        return source.kind === "literal" && source.value === target.value;
      case "array":
        if (source.kind === "array") return this.isAssignable(source.element, target.element);
        if (source.kind === "tuple") return source.elements.every((e) => this.isAssignable(e, target.element));
        return false;
      case "tuple":
        return (
          source.kind === "tuple" &&
          source.elements.length === target.elements.length &&
          source.elements.every((e, i) => this.isAssignable(e, target.elements[i]))
        );
      case "function":
        return this.functionAssignable(source, target.sigs);
      case "class":
        return this.classAssignable(source, target);
      case "classStatic":
        return source.kind === "classStatic" && (source.cls === target.cls || this.inherits(source.cls, target.cls));
      case "object":
        return this.structurallyAssignable(source, target);
      case "namespace":
        return source === target;
      default:
        return false;
    }
  }

  private inherits(derived: ClassInfo, base: ClassInfo): boolean {
    let cur = derived.base();
    let depth = 0;
    while (cur && depth++ < 100) {
      if (cur.cls === base) return true;
      cur = cur.cls.base();
    }
    return false;
  }

  /** Recursive aliases compare by assuming the pair in progress holds. */
  private assumingAssignable(source: Type, target: Type): boolean {
    const key = `${typeToString(source)}\u0000${typeToString(target)}`;
    if (this.assuming.includes(key) || this.assuming.length > 40) return true;
    this.assuming.push(key);
    try {
      return this.isAssignable(this.expand(source), this.expand(target));
    } finally {
      this.assuming.pop();
    }
  }

  private classAssignable(source: Type, target: ClassType): boolean {
    if (source.kind === "class") {
      const ancestor = this.ancestorAs(source, target.cls);
      if (ancestor) return ancestor.args.every((a, i) => this.isAssignable(a, target.args[i] ?? unknownType));
    }
    if (this.isNominal(target)) return false;
    return this.structurallyAssignable(source, target);
  }

  /** Every public property of the target exists on the source with an assignable type. */
  private structurallyAssignable(source: Type, target: ObjectType | ClassType): boolean {
    if (!this.isObjectLike(source)) return false;
    const key = `${typeToString(source)}\u0001${typeToString(target)}`;
    if (this.assuming.includes(key) || this.assuming.length > 40) return true;
    this.assuming.push(key);
    try {
      for (const p of this.publicProps(target)) {
        const s = this.getProperty(source, p.name);
        if (!s || (s.member && s.member.accessibility !== "public")) {
          if (p.optional) continue;
          return false;
        }
        if (s.optional && !p.optional) return false;
        if (p.method && s.method) {
          if (!this.isAssignable(s.type, p.type) && !this.isAssignable(p.type, s.type)) return false;
        } else if (!this.isAssignable(s.type, p.type)) return false;
      }
      if (target.kind === "object" && target.calls.length > 0) {
        return this.functionAssignable(source, target.calls);
      }
      return true;
    } finally {
      this.assuming.pop();
    }
  }

  private isObjectLike(t: Type): boolean {
    const k = t.kind;
    return k === "object" || k === "class" || k === "intersection" || k === "array" || k === "tuple" || k === "function" || k === "classStatic" || k === "string" || k === "literal" || k === "number" || k === "int" || k === "namespace";
  }

  publicProps(t: ObjectType | ClassType): { name: string; type: Type; optional: boolean; method: boolean }[] {
    if (t.kind === "object") return [...t.props.values()];
    const out: { name: string; type: Type; optional: boolean; method: boolean }[] = [];
    for (const [name, { member, type }] of this.allMembers(t, false)) {
      if (member.accessibility === "public") out.push({ name, type, optional: member.optional, method: member.kind === "method" });
    }
    return out;
  }

  private functionAssignable(source: Type, targets: Signature[]): boolean {
    const sourceSigs = this.callSignatures(source);
    if (!sourceSigs) return false;
    return targets.every((t) => sourceSigs.some((s) => this.signatureAssignable(s, t)));
  }

  signatureAssignable(source: Signature, target: Signature): boolean {
    if (source.typeParams.length > 0) {
      // Instantiate the generic source from the target's parameter types.
      const inferred = this.inferSignature(source, target.params.map((p) => p.type));
      source = substSig({ ...source, typeParams: [] }, inferred);
    }
    const s = arity(source);
    const t = arity(target);
    if (s.min > t.max && t.max !== Infinity) return false;
    const count = Math.max(source.params.length, target.params.length);
    for (let i = 0; i < count; i++) {
      const sp = paramTypeAt(source, i);
      const tp = paramTypeAt(target, i);
      if (!sp || !tp) continue;
      if (!this.isAssignable(tp, sp)) return false;
    }
    if (target.returnType.kind === "void") return true;
    return this.isAssignable(source.returnType, target.returnType);
  }

  // ------------------------------------------------------------ inference

  /** Infers a generic signature's type arguments from argument types (positionally). */
  inferSignature(sig: Signature, argTypes: Type[]): TypeMapping {
    const inf = new Inference(this, sig.typeParams);
    argTypes.forEach((a, i) => {
      const p = paramTypeAt(sig, i);
      if (p) inf.infer(a, p);
    });
    return inf.result();
  }
}

/** Type of the parameter that receives argument i (the rest parameter's element past the end). */
export function paramTypeAt(sig: Signature, i: number): Type | null {
  const last = sig.params[sig.params.length - 1];
  if (last?.rest && i >= sig.params.length - 1) {
    return last.type.kind === "array" ? last.type.element : last.type;
  }
  return sig.params[i]?.type ?? null;
}

/** Collects candidate types for type parameters by walking parameter types against argument types. */
export class Inference {
  readonly candidates = new Map<number, Type[]>();
  private readonly ids: Set<number>;
  private depth = 0;
  constructor(
    private readonly rel: Relations,
    readonly params: TypeParamType[],
  ) {
    this.ids = new Set(params.map((p) => p.id));
  }

  infer(source: Type, target: Type): void {
    if (this.depth > 20 || source.kind === "error") return;
    this.depth++;
    try {
      this.inferInner(source, target);
    } finally {
      this.depth--;
    }
  }

  private inferInner(source: Type, target: Type): void {
    if (target.kind === "param" && this.ids.has(target.id)) {
      const list = this.candidates.get(target.id) ?? [];
      list.push(source);
      this.candidates.set(target.id, list);
      return;
    }
    if (target.kind === "alias") {
      if (source.kind === "alias" && source.alias === target.alias) {
        source.args.forEach((a, i) => target.args[i] && this.infer(a, target.args[i]));
        return;
      }
      this.infer(source, this.rel.expand(target));
      return;
    }
    if (source.kind === "alias") {
      this.infer(this.rel.expand(source), target);
      return;
    }
    if (target.kind === "union") {
      // Match the non-generic members first, infer what remains to the naked type parameter.
      const naked = target.types.filter((t) => t.kind === "param" && this.ids.has(t.id));
      const others = target.types.filter((t) => !naked.includes(t));
      const sources = source.kind === "union" ? source.types : [source];
      const rest = sources.filter((s) => !others.some((o) => this.rel.isAssignable(s, o)));
      if (naked.length === 1 && rest.length > 0) this.infer(union(rest), naked[0]);
      for (const o of others) for (const s of sources) this.infer(s, o);
      return;
    }
    switch (target.kind) {
      case "array":
        if (source.kind === "array") this.infer(source.element, target.element);
        else if (source.kind === "tuple") source.elements.forEach((e) => this.infer(e, target.element));
        return;
      case "tuple":
        if (source.kind === "tuple") source.elements.forEach((e, i) => target.elements[i] && this.infer(e, target.elements[i]));
        return;
      case "class":
        if (source.kind === "class") {
          const anc = this.rel.ancestorAs(source, target.cls);
          if (anc) anc.args.forEach((a, i) => target.args[i] && this.infer(a, target.args[i]));
        }
        return;
      case "function": {
        const sigs = this.rel.callSignatures(source);
        const t = target.sigs[0];
        if (!sigs || !t) return;
        const s = sigs[sigs.length - 1];
        s.params.forEach((p, i) => t.params[i] && this.infer(p.type, t.params[i].type));
        this.infer(s.returnType, t.returnType);
        return;
      }
      case "object":
        for (const p of target.props.values()) {
          const sp = this.rel.getProperty(source, p.name);
          if (sp) this.infer(sp.type, p.type);
        }
        return;
      default:
        return;
    }
  }

  /** Chooses one type per parameter: the widest candidate if it covers the others, else their union. */
  result(contextual?: TypeMapping): TypeMapping {
    const m: TypeMapping = new Map();
    for (const p of this.params) {
      const cands = (this.candidates.get(p.id) ?? []).filter((c) => c.kind !== "never");
      let chosen: Type;
      if (cands.length === 0) {
        chosen = contextual?.get(p.id) ?? (this.candidates.has(p.id) ? (this.candidates.get(p.id)![0] ?? unknownType) : p.defaultType ?? p.constraint ?? unknownType);
      } else {
        const keepLiterals = p.constraint !== null && hasLiteralish(p.constraint);
        const widened = keepLiterals ? cands : cands.map(widenLiteral);
        chosen = widened.find((c) => widened.every((o) => this.rel.isAssignable(o, c))) ?? union(widened);
      }
      m.set(p.id, chosen);
    }
    return m;
  }
}

function hasLiteralish(t: Type): boolean {
  return t.kind === "literal" || (t.kind === "union" && t.types.some(hasLiteralish)) || t.kind === "string" || t.kind === "number";
}


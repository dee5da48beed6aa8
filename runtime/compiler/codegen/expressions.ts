// Expressions, assignments and destructuring: everything that computes values on the stack.
import type * as A from "../ast";
import { Op } from "../../bytecode/opcodes";
import { CodegenError, Label } from "./emitter";
import type { Binding, LocalBinding } from "./bindings";
import { FunctionCompilerBase, hasOptionalLink, unparen, unsupported } from "./function-base";

export abstract class ExpressionCompiler extends FunctionCompilerBase {
  /** Jumps to `falseLabel` when `test` is falsy. */
  protected condition(test: A.Expr, falseLabel: Label): void {
    this.branch(test, falseLabel, false);
  }

  /** Jumps to `label` when `test`'s truthiness equals `jumpWhen`; short-circuits && / || / ! without materialising booleans. */
  protected branch(test: A.Expr, label: Label, jumpWhen: boolean): void {
    if (test.kind === "Paren") return this.branch(test.expression, label, jumpWhen);
    if (test.kind === "BooleanLiteral") {
      if (test.value === jumpWhen) this.em.emitJump(Op.JUMP, label);
      else this.em.expectAt(label, this.em.depth);
      return;
    }
    if (test.kind === "Unary" && test.op === "!") return this.branch(test.operand, label, !jumpWhen);
    if (test.kind === "Binary" && (test.op === "&&" || test.op === "||")) {
      // `a && b` jumps on false when either does; on true only when both do (and dually for ||).
      const shortCircuitsTo = test.op === "&&" ? false : true;
      if (jumpWhen === shortCircuitsTo) {
        this.branch(test.left, label, jumpWhen);
        this.branch(test.right, label, jumpWhen);
      } else {
        const skip = new Label();
        this.branch(test.left, skip, shortCircuitsTo);
        this.branch(test.right, label, jumpWhen);
        this.em.place(skip);
      }
      return;
    }
    this.expr(test);
    this.em.emitJump(jumpWhen ? Op.JUMP_IF_TRUE : Op.JUMP_IF_FALSE, label);
  }

  // ================================================================ destructuring and assignment

  /** Pops the value on the stack into `pattern`'s bindings (already declared, or existing variables). */
  protected destructure(pattern: A.Pattern): void {
    switch (pattern.kind) {
      case "IdentifierPattern":
        this.store(this.resolve(pattern.name), pattern);
        return;
      case "MemberTargetPattern":
        this.assignFromStack(pattern.target);
        return;
      case "ArrayPattern": {
        pattern.elements.forEach((element, i) => {
          if (!element) return;
          this.em.emit(Op.DUP);
          this.em.emit(Op.PUSH_INT, i);
          this.em.emit(element.default ? Op.GET_INDEX_OR_ABSENT : Op.GET_INDEX);
          if (element.default) this.applyDefault(element.default);
          this.destructure(element.target);
        });
        if (pattern.rest) {
          this.em.emit(Op.ARRAY_SLICE_FROM, pattern.elements.length);
          this.destructure(pattern.rest);
        } else {
          this.em.emit(Op.POP);
        }
        return;
      }
      case "ObjectPattern": {
        for (const prop of pattern.properties) {
          this.em.emit(Op.DUP);
          this.em.emit(Op.GET_PROP, this.program.string(prop.key));
          // A missing optional field reads as null; `{ a = 1 }` defaults it.
          if (prop.default) this.nullDefault(prop.default);
          this.destructure(prop.target);
        }
        if (pattern.rest) {
          this.em.emit(Op.OBJECT_REST, this.program.stringRun(pattern.properties.map((p) => p.key)), pattern.properties.length);
          this.destructure(pattern.rest);
        } else {
          this.em.emit(Op.POP);
        }
        return;
      }
    }
  }

  /** [v] -> [v, or the default when v is ABSENT] */
  protected applyDefault(value: A.Expr): void {
    const done = new Label();
    this.em.emit(Op.DUP);
    this.em.emit(Op.IS_ABSENT);
    this.em.emitJump(Op.JUMP_IF_FALSE, done);
    this.em.emit(Op.POP);
    this.expr(value);
    this.em.place(done);
  }

  /** [v] -> [v ?? default] */
  protected nullDefault(value: A.Expr): void {
    const done = new Label();
    this.em.emitJump(Op.JUMP_IF_NOT_NULL_KEEP, done);
    this.expr(value);
    this.em.place(done);
  }

  /** Pops the value on the stack into an assignable expression. */
  protected assignFromStack(target: A.Expr): void {
    const t = unparen(target);
    if (t.kind === "Identifier") {
      this.store(this.resolve(t.name), t);
      return;
    }
    const temp = this.allocTemp();
    this.em.emit(Op.STORE_LOCAL, temp);
    if (t.kind === "Member") {
      this.expr(t.object);
      this.em.emit(Op.LOAD_LOCAL, temp);
      this.em.emit(Op.SET_PROP, this.program.string(t.name));
    } else if (t.kind === "Index") {
      this.expr(t.object);
      this.expr(t.index);
      this.em.emit(Op.LOAD_LOCAL, temp);
      this.em.emit(Op.SET_INDEX);
    } else {
      throw unsupported(t, `assignment target ${t.kind}`);
    }
    this.em.emit(Op.POP);
    this.freeTemp(temp);
  }

  protected assignment(e: A.AssignExpr, keep: boolean): void {
    if (e.target.kind === "ArrayPattern" || e.target.kind === "ObjectPattern") {
      this.expr(e.value);
      if (keep) this.em.emit(Op.DUP);
      this.destructure(e.target);
      return;
    }
    const target = unparen(e.target);
    if (e.op === "&&=" || e.op === "||=" || e.op === "??=") {
      this.logicalAssignment(e, target, keep);
      return;
    }
    const binaryOp = e.op === "=" ? null : (e.op.slice(0, -1) as A.BinaryOp);
    switch (target.kind) {
      case "Identifier": {
        const binding = this.resolve(target.name);
        if (binaryOp) {
          this.emitLoad(binding, target);
          this.expr(e.value);
          this.arith(binaryOp, e.intArith === true);
        } else {
          this.exprNamed(e.value, target.name);
        }
        if (keep) this.em.emit(Op.DUP);
        this.store(binding, target);
        return;
      }
      case "Member": {
        if (target.object.kind === "Super") throw unsupported(target, "assignment to a super property");
        const name = this.program.string(target.name);
        this.expr(target.object);
        if (binaryOp) {
          this.em.emit(Op.DUP);
          this.em.emit(Op.GET_PROP, name);
          this.expr(e.value);
          this.arith(binaryOp, e.intArith === true);
        } else {
          this.expr(e.value);
        }
        this.at(e);
        this.em.emit(Op.SET_PROP, name);
        if (!keep) this.em.emit(Op.POP);
        return;
      }
      case "Index": {
        this.expr(target.object);
        this.expr(target.index);
        if (binaryOp) {
          this.em.emit(Op.DUP2);
          this.em.emit(Op.GET_INDEX);
          this.expr(e.value);
          this.arith(binaryOp, e.intArith === true);
        } else {
          this.expr(e.value);
        }
        this.at(e);
        this.em.emit(Op.SET_INDEX);
        if (!keep) this.em.emit(Op.POP);
        return;
      }
      default:
        throw unsupported(target, `assignment target ${target.kind}`);
    }
  }

  protected logicalAssignment(e: A.AssignExpr, target: A.Expr, keep: boolean): void {
    const jumpOp = e.op === "&&=" ? Op.JUMP_IF_FALSE_KEEP : e.op === "||=" ? Op.JUMP_IF_TRUE_KEEP : Op.JUMP_IF_NOT_NULL_KEEP;
    const keepCurrent = new Label();
    const done = new Label();
    switch (target.kind) {
      case "Identifier": {
        const binding = this.resolve(target.name);
        this.emitLoad(binding, target);
        this.em.emitJump(jumpOp, keepCurrent);
        this.exprNamed(e.value, target.name);
        this.em.emit(Op.DUP);
        this.store(binding, target);
        this.em.place(keepCurrent);
        break;
      }
      case "Member": {
        const name = this.program.string(target.name);
        this.expr(target.object);
        this.em.emit(Op.DUP);
        this.em.emit(Op.GET_PROP, name);
        this.em.emitJump(jumpOp, keepCurrent);
        this.expr(e.value);
        this.em.emit(Op.SET_PROP, name);
        this.em.emitJump(Op.JUMP, done);
        this.em.place(keepCurrent); // [obj, current]
        this.em.emit(Op.SWAP);
        this.em.emit(Op.POP);
        this.em.place(done);
        break;
      }
      case "Index": {
        this.expr(target.object);
        this.expr(target.index);
        this.em.emit(Op.DUP2);
        this.em.emit(Op.GET_INDEX);
        this.em.emitJump(jumpOp, keepCurrent);
        this.expr(e.value);
        this.em.emit(Op.SET_INDEX);
        this.em.emitJump(Op.JUMP, done);
        this.em.place(keepCurrent); // [obj, index, current]
        this.em.emit(Op.SWAP);
        this.em.emit(Op.POP);
        this.em.emit(Op.SWAP);
        this.em.emit(Op.POP);
        this.em.place(done);
        break;
      }
      default:
        throw unsupported(target, `assignment target ${target.kind}`);
    }
    if (!keep) this.em.emit(Op.POP);
  }

  protected update(e: A.UpdateExpr, keep: boolean): void {
    const target = unparen(e.operand);
    const op = e.op === "++" ? (e.intArith ? Op.ADD_I : Op.ADD) : e.intArith ? Op.SUB_I : Op.SUB;
    const postfixValue = keep && !e.prefix;
    const bump = () => {
      this.em.emit(Op.PUSH_INT, 1);
      this.em.emit(op);
    };
    switch (target.kind) {
      case "Identifier": {
        const binding = this.resolve(target.name);
        this.emitLoad(binding, target);
        if (postfixValue) this.em.emit(Op.DUP);
        bump();
        if (keep && e.prefix) this.em.emit(Op.DUP);
        this.store(binding, target);
        return;
      }
      case "Member":
      case "Index": {
        if (target.kind === "Member") {
          this.expr(target.object);
          this.em.emit(Op.DUP);
          this.em.emit(Op.GET_PROP, this.program.string(target.name));
        } else {
          this.expr(target.object);
          this.expr(target.index);
          this.em.emit(Op.DUP2);
          this.em.emit(Op.GET_INDEX);
        }
        let old = -1;
        if (postfixValue) {
          old = this.allocTemp();
          this.em.emit(Op.DUP);
          this.em.emit(Op.STORE_LOCAL, old);
        }
        bump();
        this.at(e);
        this.em.emit(target.kind === "Member" ? Op.SET_PROP : Op.SET_INDEX, target.kind === "Member" ? this.program.string(target.name) : 0);
        if (postfixValue) {
          this.em.emit(Op.POP);
          this.em.emit(Op.LOAD_LOCAL, old);
          this.freeTemp(old);
        } else if (!keep) {
          this.em.emit(Op.POP);
        }
        return;
      }
      default:
        throw unsupported(target, `update target ${target.kind}`);
    }
  }

  // ================================================================ expressions

  /** Evaluates for effect only (statement position): assignments and updates skip the result copy. */
  protected exprDiscard(e: A.Expr): void {
    const inner = unparen(e);
    if (inner.kind === "Assign") return this.assignment(inner, false);
    if (inner.kind === "Update") return this.update(inner, false);
    this.expr(inner);
    this.em.emit(Op.POP);
  }

  /** Like expr, naming an anonymous function after the variable or property it initialises. */
  protected exprNamed(e: A.Expr, name: string | null): void {
    if (e.kind === "ArrowFunction" || e.kind === "FunctionExpr") this.functionExpr(e, name);
    else this.expr(e);
  }

  protected expr(e: A.Expr): void {
    switch (e.kind) {
      case "NumberLiteral":
        if (e.isInt && (e.value | 0) === e.value && !Object.is(e.value, -0)) this.em.emit(Op.PUSH_INT, e.value);
        else this.em.emit(Op.CONST, this.program.number(e.value, false));
        return;
      case "StringLiteral":
        this.em.emit(Op.CONST, this.program.string(e.value));
        return;
      case "TemplateLiteral":
        this.template(e);
        return;
      case "BooleanLiteral":
        this.em.emit(e.value ? Op.PUSH_TRUE : Op.PUSH_FALSE);
        return;
      case "NullLiteral":
        this.em.emit(Op.PUSH_NULL);
        return;
      case "Identifier":
        this.emitLoad(this.resolve(e.name), e);
        return;
      case "This":
        this.loadThis(e);
        return;
      case "Super":
        throw unsupported(e, "'super' that is neither called nor a member access");
      case "ArrayLiteral":
        this.arrayFrom(e.elements);
        return;
      case "ObjectLiteral":
        this.objectLiteral(e);
        return;
      case "FunctionExpr":
      case "ArrowFunction":
        this.functionExpr(e, null);
        return;
      case "Call":
      case "Member":
      case "Index":
        this.chain(e);
        return;
      case "AsyncCall":
        this.asyncCall(e);
        return;
      case "New":
        this.newExpr(e);
        return;
      case "Unary":
        this.unary(e);
        return;
      case "Update":
        this.update(e, true);
        return;
      case "Binary":
        this.binary(e);
        return;
      case "Assign":
        this.assignment(e, true);
        return;
      case "Conditional": {
        const elseLabel = new Label();
        const end = new Label();
        this.condition(e.test, elseLabel);
        this.expr(e.consequent);
        this.em.emitJump(Op.JUMP, end);
        this.em.place(elseLabel);
        this.expr(e.alternate);
        this.em.place(end);
        return;
      }
      case "Await":
        this.expr(e.argument);
        this.at(e);
        this.em.emit(Op.AWAIT);
        return;
      case "As":
      case "Paren":
        this.expr(e.expression);
        return;
      case "ErrorExpr":
        throw new CodegenError("codegen reached a parse error placeholder");
    }
  }

  protected template(e: A.TemplateLiteral): void {
    let pushed = false;
    const append = () => {
      if (pushed) this.em.emit(Op.ADD);
      pushed = true;
    };
    e.quasis.forEach((quasi, i) => {
      if (quasi !== "" || (i === 0 && e.expressions.length === 0)) {
        this.em.emit(Op.CONST, this.program.string(quasi));
        append();
      }
      if (i < e.expressions.length) {
        this.expr(e.expressions[i]);
        this.em.emit(Op.TO_STRING);
        append();
      }
    });
  }

  /** Pushes a new array of the elements (spreads appended one by one). */
  protected arrayFrom(elements: (A.Expr | A.SpreadElement)[]): void {
    const firstSpread = elements.findIndex((el) => el.kind === "Spread");
    const leading = firstSpread < 0 ? elements.length : firstSpread;
    for (let i = 0; i < leading; i++) this.expr(elements[i] as A.Expr);
    this.em.emit(Op.NEW_ARRAY, leading);
    for (let i = leading; i < elements.length; i++) {
      const el = elements[i];
      if (el.kind === "Spread") {
        this.expr(el.argument);
        this.em.emit(Op.ARRAY_SPREAD);
      } else {
        this.expr(el);
        this.em.emit(Op.ARRAY_PUSH);
      }
    }
  }

  protected objectLiteral(e: A.ObjectLiteral): void {
    const captures = this.program.captures.thisCaptured;
    const needsSelf = e.properties.some((p) => p.kind === "ObjectMethod" && captures.has(p.fn));
    let self: LocalBinding | null = null;
    if (needsSelf) {
      // Methods reading `this` capture a box that receives the object once it exists.
      const slot = this.allocTemp();
      this.em.emit(Op.PUSH_NULL);
      this.em.emit(Op.STORE_LOCAL, slot);
      this.em.emit(Op.BOX_LOCAL, slot);
      self = { kind: "local", name: "this", slot, boxed: true, owner: this };
    }
    let started = false;
    let run: (A.PropertyAssignment | A.ObjectMethod)[] = [];
    const flush = (force: boolean) => {
      if (run.length === 0 && !force) return;
      for (const p of run) {
        if (p.kind === "PropertyAssignment") this.exprNamed(p.value, p.key);
        else this.em.emit(Op.CLOSURE, this.childFunction(p.key, p.fn, p.fn, p.fn.params, p.fn.body, p.fn.async, "objectMethod", self ? { objectThis: self } : {}));
      }
      this.em.emit(Op.NEW_OBJECT, this.program.shape(run.map((p) => p.key), this.env.fileIndex, e.line));
      if (started) this.em.emit(Op.OBJECT_SPREAD);
      started = true;
      run = [];
    };
    for (const p of e.properties) {
      if (p.kind === "Spread") {
        flush(!started);
        this.expr(p.argument);
        this.em.emit(Op.OBJECT_SPREAD);
      } else {
        run.push(p);
      }
    }
    flush(!started);
    if (self) {
      this.em.emit(Op.DUP);
      this.em.emit(Op.STORE_BOXED, self.slot);
      this.freeTemp(self.slot);
    }
  }

  protected unary(e: A.UnaryExpr): void {
    if (e.op === "-" && e.operand.kind === "NumberLiteral" && e.operand.value !== 0) {
      const v = -e.operand.value;
      if (e.operand.isInt && (v | 0) === v) this.em.emit(Op.PUSH_INT, v);
      else this.em.emit(Op.CONST, this.program.number(v, false));
      return;
    }
    this.expr(e.operand);
    switch (e.op) {
      case "-": this.em.emit(e.intArith ? Op.NEG_I : Op.NEG); return;
      case "+": this.em.emit(Op.PLUS); return;
      case "!": this.em.emit(Op.NOT); return;
      case "~": this.em.emit(Op.BIT_NOT); return;
      case "typeof": this.em.emit(Op.TYPEOF); return;
    }
  }

  protected binary(e: A.BinaryExpr): void {
    if (e.op === "&&" || e.op === "||" || e.op === "??") {
      const end = new Label();
      this.expr(e.left);
      this.em.emitJump(e.op === "&&" ? Op.JUMP_IF_FALSE_KEEP : e.op === "||" ? Op.JUMP_IF_TRUE_KEEP : Op.JUMP_IF_NOT_NULL_KEEP, end);
      this.expr(e.right);
      this.em.place(end);
      return;
    }
    this.expr(e.left);
    this.expr(e.right);
    this.at(e);
    this.arith(e.op, e.intArith === true);
  }

  protected arith(op: A.BinaryOp, intArith: boolean): void {
    const emit = (o: Op) => this.em.emit(o);
    switch (op) {
      case "+": return emit(intArith ? Op.ADD_I : Op.ADD);
      case "-": return emit(intArith ? Op.SUB_I : Op.SUB);
      case "*": return emit(intArith ? Op.MUL_I : Op.MUL);
      case "%": return emit(intArith ? Op.MOD_I : Op.MOD);
      case "/": return emit(Op.DIV);
      case "**": return emit(Op.POW);
      case "==": case "===": return emit(Op.EQ);
      case "!=": case "!==": return emit(Op.NE);
      case "<": return emit(Op.LT);
      case "<=": return emit(Op.LE);
      case ">": return emit(Op.GT);
      case ">=": return emit(Op.GE);
      case "&": return emit(Op.BIT_AND);
      case "|": return emit(Op.BIT_OR);
      case "^": return emit(Op.BIT_XOR);
      case "<<": return emit(Op.SHL);
      case ">>": return emit(Op.SHR);
      case ">>>": return emit(Op.USHR);
      case "instanceof": return emit(Op.INSTANCEOF);
      case "in": return emit(Op.IN);
      default: throw new CodegenError(`operator ${op} is not an arithmetic operator`);
    }
  }

  // ---------------------------------------------------------------- member chains and calls

  /** A member/index/call chain; an optional link (`?.`) short-circuits to the end of the whole chain. */
  protected chain(e: A.CallExpr | A.MemberExpr | A.IndexExpr): void {
    if (!hasOptionalLink(e)) {
      this.chainLink(e, null);
      return;
    }
    const end = new Label();
    this.chainLink(e, end);
    this.em.place(end);
  }

  protected chainPart(e: A.Expr, end: Label | null): void {
    if (e.kind === "Call" || e.kind === "Member" || e.kind === "Index") this.chainLink(e, end);
    else this.expr(e);
  }

  protected chainLink(e: A.CallExpr | A.MemberExpr | A.IndexExpr, end: Label | null): void {
    switch (e.kind) {
      case "Member": {
        if (e.object.kind === "Super") {
          this.loadSuperClass();
          this.loadThis(e);
          this.em.emit(Op.SUPER_GET, this.program.string(e.name));
          return;
        }
        const nsMember = this.namespaceMember(e);
        if (nsMember) {
          this.emitLoad(nsMember, e);
          return;
        }
        this.chainPart(e.object, end);
        if (e.optional) this.em.emitJump(Op.JUMP_IF_NULL_KEEP, end!);
        this.em.position(e.nameLine, e.nameCol);
        this.em.emit(Op.GET_PROP, this.program.string(e.name));
        return;
      }
      case "Index":
        this.chainPart(e.object, end);
        if (e.optional) this.em.emitJump(Op.JUMP_IF_NULL_KEEP, end!);
        this.expr(e.index);
        this.at(e);
        this.em.emit(Op.GET_INDEX);
        return;
      case "Call":
        this.call(e, end, false);
        return;
    }
  }

  /** `ns.x` for `import * as ns`: the binding x resolves to, or null when e is not such an access. */
  protected namespaceMember(e: A.MemberExpr): Binding | null {
    const object = unparen(e.object);
    if (object.kind !== "Identifier") return null;
    const b = this.resolve(object.name);
    if (b.kind !== "namespace") return null;
    const member = b.members(e.name);
    if (!member) throw new CodegenError(`module has no export '${e.name}'`);
    return member;
  }

  protected hasSpread(args: (A.Expr | A.SpreadElement)[]): boolean {
    return args.some((a) => a.kind === "Spread");
  }

  protected pushArgs(args: (A.Expr | A.SpreadElement)[]): void {
    for (const a of args) this.expr(a as A.Expr);
  }

  protected call(e: A.CallExpr, end: Label | null, spawn: boolean): void {
    const callee = e.callee;
    const spread = this.hasSpread(e.args);
    if (callee.kind === "Super") {
      if (spawn) {
        // A constructor must finish initialising `this` before the constructor goes on.
        throw new CodegenError("`async` cannot run a super(...) constructor call in a new Task", { file: e.file, line: e.line, column: e.col });
      }
      this.loadSuperClass();
      this.loadThis(e);
      if (spread) {
        this.arrayFrom(e.args);
        this.at(e);
        this.em.emit(Op.SUPER_CALL_SPREAD);
      } else {
        this.pushArgs(e.args);
        this.at(e);
        this.em.emit(Op.SUPER_CALL, e.args.length);
      }
      if (this.afterSuperCall) this.afterSuperCall();
      this.em.emit(Op.PUSH_NULL);
      return;
    }
    if (callee.kind === "Member" && !e.optional && callee.object.kind === "Super") {
      this.loadSuperClass();
      this.loadThis(e);
      if (!spawn && !spread) {
        this.pushArgs(e.args);
        this.at(e);
        this.em.emit(Op.SUPER_METHOD, this.program.string(callee.name), e.args.length);
        return;
      }
      // The parent's method bound to `this`, then an ordinary spread call or Task start.
      this.at(e);
      this.em.emit(Op.SUPER_GET, this.program.string(callee.name));
      if (spread) {
        this.arrayFrom(e.args);
        this.at(e);
        this.em.emit(spawn ? Op.SPAWN_SPREAD : Op.CALL_SPREAD);
      } else {
        this.pushArgs(e.args);
        this.at(e);
        this.em.emit(Op.SPAWN, e.args.length);
      }
      return;
    }
    if (callee.kind === "Member" && !e.optional && !this.namespaceMember(callee)) {
      // o.m(x): one CALL_METHOD, never GET_PROP + CALL.
      this.chainPart(callee.object, end);
      if (callee.optional) this.em.emitJump(Op.JUMP_IF_NULL_KEEP, end!);
      const name = this.program.string(callee.name);
      if (spread) {
        this.arrayFrom(e.args);
        this.at(e);
        this.em.emit(spawn ? Op.SPAWN_METHOD_SPREAD : Op.CALL_METHOD_SPREAD, name);
      } else {
        this.pushArgs(e.args);
        this.at(e);
        this.em.emit(spawn ? Op.SPAWN_METHOD : Op.CALL_METHOD, name, e.args.length);
      }
      return;
    }
    this.chainPart(callee, end);
    if (e.optional) this.em.emitJump(Op.JUMP_IF_NULL_KEEP, end!);
    if (spread) {
      this.arrayFrom(e.args);
      this.at(e);
      this.em.emit(spawn ? Op.SPAWN_SPREAD : Op.CALL_SPREAD);
    } else {
      this.pushArgs(e.args);
      this.at(e);
      this.em.emit(spawn ? Op.SPAWN : Op.CALL, e.args.length);
    }
  }

  /** `async f(x)`; on an optional chain (`async a?.m()`) a null link short-circuits before any Task starts. */
  protected asyncCall(e: A.AsyncCallExpr): void {
    if (!hasOptionalLink(e.call)) {
      this.call(e.call, null, true);
      return;
    }
    const end = new Label();
    this.call(e.call, end, true);
    this.em.place(end);
  }

  protected newExpr(e: A.NewExpr): void {
    this.expr(e.callee);
    if (this.hasSpread(e.args)) {
      this.arrayFrom(e.args);
      this.at(e);
      this.em.emit(Op.NEW_SPREAD);
    } else {
      this.pushArgs(e.args);
      this.at(e);
      this.em.emit(Op.NEW, e.args.length);
    }
  }
}

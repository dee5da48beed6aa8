// How many operand-stack values each instruction pops and pushes on its fall-through path.
// One table, read by the code generator (to track depth and compute maxStack while emitting)
// and by the verifier (to prove depths consistent), so the two can never disagree.
import { Op } from "./opcodes";

const OP_COUNT: number = Op.OP_COUNT;

/** Pops of ops whose count is fixed; see `popsOf` for the operand-dependent ones. */
const FIXED_POPS = new Int32Array(OP_COUNT);
const PUSHES = new Int32Array(OP_COUNT);
/** 1 for every opcode given an effect here; an opcode added without one is reported, not guessed. */
const HAS_EFFECT = new Uint8Array(OP_COUNT);

// How the pops of an operand-dependent op are computed (0 = fixed).
const FIXED = 0, ARGC0_PLUS1 = 1, ARGC1_PLUS1 = 2, ARGC0_PLUS2 = 3, ARGC1_PLUS2 = 4, OPERAND0 = 5, SHAPE_FIELDS = 6;
const POP_RULE = new Int8Array(OP_COUNT);

(() => {
  const set = (pops: number, pushes: number, ops: Op[]) => {
    for (const op of ops) {
      FIXED_POPS[op] = pops;
      PUSHES[op] = pushes;
      HAS_EFFECT[op] = 1;
    }
  };
  const rule = (popRule: number, pushes: number, ops: Op[]) => {
    set(0, pushes, ops);
    for (const op of ops) POP_RULE[op] = popRule;
  };
  set(0, 0, [Op.NOP, Op.BOX_LOCAL, Op.JUMP, Op.JUMP_IF_NOT_ABSENT]);
  set(0, 1, [
    Op.CONST, Op.PUSH_INT, Op.PUSH_NULL, Op.PUSH_TRUE, Op.PUSH_FALSE, Op.LOAD_LOCAL, Op.LOAD_GLOBAL,
    Op.LOAD_BOXED, Op.LOAD_CAPTURE, Op.LOAD_BUILTIN, Op.CLOSURE, Op.LOAD_CAPABILITY,
  ]);
  set(1, 0, [
    Op.POP, Op.STORE_LOCAL, Op.STORE_GLOBAL, Op.STORE_BOXED, Op.STORE_CAPTURE, Op.RETURN, Op.THROW,
    Op.JUMP_IF_FALSE, Op.JUMP_IF_TRUE,
    // The *_KEEP jumps pop on the fall-through path and keep the value on the jump path.
    Op.JUMP_IF_FALSE_KEEP, Op.JUMP_IF_TRUE_KEEP, Op.JUMP_IF_NOT_NULL_KEEP,
  ]);
  set(1, 1, [
    Op.NEG, Op.NEG_I, Op.PLUS, Op.BIT_NOT, Op.NOT, Op.TYPEOF, Op.TO_STRING, Op.AWAIT, Op.CLASS,
    Op.OBJECT_REST, Op.GET_PROP, Op.ARRAY_SLICE_FROM, Op.IS_ABSENT, Op.ITER_INIT, Op.JUMP_IF_NULL_KEEP,
  ]);
  // ITER_NEXT: fall-through [it] -> [it, value]; its jump edge pops the iterator instead.
  set(1, 2, [Op.DUP, Op.ITER_NEXT]);
  set(2, 4, [Op.DUP2]);
  set(2, 2, [Op.SWAP]);
  set(2, 1, [
    Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MOD, Op.POW, Op.ADD_I, Op.SUB_I, Op.MUL_I, Op.MOD_I,
    Op.BIT_AND, Op.BIT_OR, Op.BIT_XOR, Op.SHL, Op.SHR, Op.USHR, Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE,
    Op.INSTANCEOF, Op.IN, Op.CALL_SPREAD, Op.CALL_METHOD_SPREAD, Op.SUPER_GET, Op.NEW_SPREAD,
    Op.OBJECT_SPREAD, Op.SET_PROP, Op.GET_INDEX, Op.GET_INDEX_OR_ABSENT, Op.ARRAY_PUSH, Op.ARRAY_SPREAD,
    Op.SPAWN_SPREAD, Op.SPAWN_METHOD_SPREAD,
  ]);
  set(3, 0, [Op.SUPER_CALL_SPREAD]);
  set(3, 1, [Op.SET_INDEX]);
  rule(ARGC0_PLUS1, 1, [Op.CALL, Op.SPAWN, Op.NEW]);
  rule(ARGC1_PLUS1, 1, [Op.CALL_METHOD, Op.SPAWN_METHOD]);
  rule(ARGC0_PLUS2, 0, [Op.SUPER_CALL]);
  rule(ARGC1_PLUS2, 1, [Op.SUPER_METHOD]);
  rule(OPERAND0, 1, [Op.NEW_ARRAY]);
  rule(SHAPE_FIELDS, 1, [Op.NEW_OBJECT]);
})();

export function hasStackEffect(op: number): boolean {
  return op >= 0 && op < OP_COUNT && HAS_EFFECT[op] === 1;
}

/** Values pushed on the fall-through path. */
export function pushesOf(op: number): number {
  return PUSHES[op];
}

/**
 * Values popped on the fall-through path. `a` and `b` are the instruction's first two
 * operands; `shapeFields(cls)` is the field count of class table entry `cls` (NEW_OBJECT).
 */
export function popsOf(op: number, a: number, b: number, shapeFields: (cls: number) => number): number {
  switch (POP_RULE[op]) {
    case FIXED: return FIXED_POPS[op];
    case ARGC0_PLUS1: return a + 1;
    case ARGC1_PLUS1: return b + 1;
    case ARGC0_PLUS2: return a + 2;
    case ARGC1_PLUS2: return b + 2;
    case OPERAND0: return a;
    default: return shapeFields(a); // SHAPE_FIELDS
  }
}

/** Depth on a branch's jump edge, given the depth before the instruction and after its fall-through. */
export function jumpEdgeDepth(op: number, before: number, after: number): number {
  switch (op) {
    case Op.JUMP_IF_FALSE_KEEP: case Op.JUMP_IF_TRUE_KEEP: case Op.JUMP_IF_NOT_NULL_KEEP:
      return before; // the tested value stays when these jump
    case Op.ITER_NEXT:
      return before - 1; // the exhausted iterator is popped
    default:
      return after;
  }
}

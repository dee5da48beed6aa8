// The Raya instruction set. Code is an Int32Array: each instruction is its opcode followed by
// a fixed number of int32 operands (OPERAND_COUNT). A "pc" is an index into that array.
// Jump targets are absolute pcs. "k" operands index the program's constant pool, "fn" the
// function table, "cls" the class table, "g" the globals, "slot" the frame's local slots,
// "cap" the running closure's captures.
//
// Stack effects are written [before] -> [after], top of stack on the right.
// Every instruction executed counts as one step against the task's fuel and the context's
// step budget.

export const enum Op {
  // ---- constants and stack shuffling
  NOP = 0, //            [] -> []
  CONST, //        k     [] -> [constants[k]]
  PUSH_INT, //     v     [] -> [v]           (v is an int32 immediate)
  PUSH_NULL, //          [] -> [null]
  PUSH_TRUE, //          [] -> [true]
  PUSH_FALSE, //         [] -> [false]
  POP, //                [a] -> []
  DUP, //                [a] -> [a, a]
  DUP2, //               [a, b] -> [a, b, a, b]
  SWAP, //               [a, b] -> [b, a]

  // ---- variables
  LOAD_LOCAL, //   slot  [] -> [locals[slot]]
  STORE_LOCAL, //  slot  [v] -> []          (locals[slot] = v)
  LOAD_GLOBAL, //  g     [] -> [globals[g]]
  STORE_GLOBAL, // g     [v] -> []
  BOX_LOCAL, //    slot  [] -> []           (locals[slot] = new Box(locals[slot])) captured variables live in boxes
  LOAD_BOXED, //   slot  [] -> [locals[slot].value]
  STORE_BOXED, //  slot  [v] -> []          (locals[slot].value = v)
  LOAD_CAPTURE, // cap   [] -> [closure.captures[cap].value]
  STORE_CAPTURE, //cap   [v] -> []
  LOAD_BUILTIN, // k     [] -> [builtin named constants[k]]  (Math, JSON, console, Map, Set, parseInt, sleep, ...)
  JUMP_IF_NOT_ABSENT, // slot, target   [] -> []  jump when locals[slot] holds a passed argument;
  //                       otherwise fall through (to code that computes the default parameter value)

  // ---- arithmetic, comparison, logic (numbers are JS doubles; *_I ops wrap to int32)
  ADD, //                [a, b] -> [a + b]   (numbers add; if either is a string, concatenation)
  SUB, MUL, DIV, MOD, POW, //  [a, b] -> [a op b]
  ADD_I, SUB_I, MUL_I, //      [a, b] -> [(a op b) | 0]   (MUL_I uses Math.imul)
  MOD_I, //              [a, b] -> [a % b | 0]; b === 0 throws RangeError "Division by zero"
  BIT_AND, BIT_OR, BIT_XOR, SHL, SHR, USHR, // [a, b] -> [a op b]
  NEG, //                [a] -> [-a]
  NEG_I, //              [a] -> [(-a) | 0]
  PLUS, //               [a] -> [+a]      (number identity, for unary +)
  BIT_NOT, //            [a] -> [~a]
  NOT, //                [a] -> [!a]      (truthiness as in JavaScript)
  EQ, NE, //             [a, b] -> [a === b] / [a !== b]   (== and != compile to these: no coercion exists)
  LT, LE, GT, GE, //     [a, b] -> [a op b]  (numbers or strings)
  TYPEOF, //             [a] -> ["number" | "string" | "boolean" | "object" | "function"]
  INSTANCEOF, //         [obj, cls] -> [boolean]  (class chain, Error classes, Map/Set/Array builtins)
  IN, //                 [key, obj] -> [boolean]  (obj has a field or method named key)
  TO_STRING, //          [a] -> [String(a) as JavaScript would format it]  (template literals)

  // ---- control flow (targets are absolute pcs)
  JUMP, //         target
  JUMP_IF_FALSE, //target  [c] -> []              jump when c is falsy
  JUMP_IF_TRUE, // target  [c] -> []              jump when c is truthy
  JUMP_IF_FALSE_KEEP, // target [c] -> [c] and jump if falsy, else [c] -> []   (&&)
  JUMP_IF_TRUE_KEEP, //  target [c] -> [c] and jump if truthy, else [c] -> []  (||)
  JUMP_IF_NOT_NULL_KEEP, // target [v] -> [v] and jump if v !== null, else [v] -> []  (??)
  JUMP_IF_NULL_KEEP, // target [v] -> [v] and jump if v === null, else [v] -> [v]  (?. short-circuit)

  // ---- calls
  CALL, //         argc    [callee, a1..aN] -> [result]     (calling an async function starts a Task: result is the Task)
  CALL_METHOD, //  k, argc [recv, a1..aN] -> [result]       (method named constants[k]; also fields holding functions,
  //                                                          and methods of strings, numbers, arrays, Map, Set, builtins)
  CALL_SPREAD, //          [callee, argsArray] -> [result]
  CALL_METHOD_SPREAD, // k [recv, argsArray] -> [result]
  SUPER_CALL, //   argc    [parentCls, this, a1..aN] -> []   (runs parentCls's constructor on this)
  SUPER_METHOD, // k, argc [parentCls, this, a1..aN] -> [result]  (parentCls's method k with this)
  SUPER_GET, //    k       [parentCls, this] -> [value]     (parent getter or bound method k)
  RETURN, //               [v] -> (returns v to the caller; a constructor frame returns its `this`)
  CLOSURE, //      fn      [] -> [closure of functions[fn]]  (captures per functions[fn].captures)
  SPAWN, //        argc    [callee, a1..aN] -> [task]       (the `async f(x)` prefix: run the call in a new Task)
  SPAWN_METHOD, // k, argc [recv, a1..aN] -> [task]
  AWAIT, //                [taskOrArrayOfTasks] -> [result]  (suspends the current Task)

  // ---- classes and objects
  CLASS, //        cls     [parentClsOrNull] -> [classValue]  (instantiates method closures in the current frame)
  NEW, //          argc    [cls, a1..aN] -> [instance]      (user classes and builtin classes such as Map)
  NEW_SPREAD, //           [cls, argsArray] -> [instance]
  NEW_OBJECT, //   cls     [v1..vN] -> [object]             (object literal; classes[cls] is its shape, N = fields.length)
  OBJECT_SPREAD, //        [obj, src] -> [obj']             (obj' = obj's fields then src's fields, later keys win)
  OBJECT_REST, //  k, n    [obj] -> [copy of obj without keys constants[k..k+n-1]]
  GET_PROP, //     k       [obj] -> [obj.name]              (fields, getters, bound methods, length, statics)
  SET_PROP, //     k       [obj, v] -> [v]                  (fields, setters, statics)
  GET_INDEX, //            [obj, i] -> [obj[i]]             (arrays, tuples, strings; out of range throws RangeError)
  SET_INDEX, //            [obj, i, v] -> [v]
  GET_INDEX_OR_ABSENT, //  [arr, i] -> [arr[i] or ABSENT]   (destructuring with defaults)
  NEW_ARRAY, //    n       [v1..vN] -> [array]
  ARRAY_PUSH, //           [arr, v] -> [arr]
  ARRAY_SPREAD, //         [arr, iterable] -> [arr]         (appends every element of an array, string, Map or Set)
  ARRAY_SLICE_FROM, // n   [arr] -> [arr.slice(n)]          (array rest patterns)
  IS_ABSENT, //            [v] -> [v === ABSENT]

  // ---- iteration (for...of)
  ITER_INIT, //            [iterable] -> [iterator]
  ITER_NEXT, //    target  [iterator] -> [iterator, value], or when exhausted [iterator] -> [] and jump

  // ---- exceptions
  THROW, //                [v] -> (unwinds to the nearest handler in the exception table)

  // ---- sandbox
  LOAD_CAPABILITY, // k    [] -> [host capability named constants[k]]  (imports from "host:")

  // ---- spread arguments in super(...) and async calls (appended, so earlier numbers stay)
  SUPER_CALL_SPREAD, //    [parentCls, this, argsArray] -> []   (SUPER_CALL with the array's elements as arguments)
  SPAWN_SPREAD, //         [callee, argsArray] -> [task]        (`async f(...xs)`)
  SPAWN_METHOD_SPREAD, // k [recv, argsArray] -> [task]         (`async o.m(...xs)`, method named constants[k])

  OP_COUNT,
}

/** Number of int32 operands following each opcode. */
export const OPERAND_COUNT: readonly number[] = (() => {
  const n = new Array<number>(Op.OP_COUNT).fill(0);
  const one = [
    Op.CONST, Op.PUSH_INT, Op.LOAD_LOCAL, Op.STORE_LOCAL, Op.LOAD_GLOBAL, Op.STORE_GLOBAL,
    Op.BOX_LOCAL, Op.LOAD_BOXED, Op.STORE_BOXED, Op.LOAD_CAPTURE, Op.STORE_CAPTURE, Op.LOAD_BUILTIN,
    Op.JUMP, Op.JUMP_IF_FALSE, Op.JUMP_IF_TRUE, Op.JUMP_IF_FALSE_KEEP, Op.JUMP_IF_TRUE_KEEP,
    Op.JUMP_IF_NOT_NULL_KEEP, Op.JUMP_IF_NULL_KEEP,
    Op.CALL, Op.CALL_METHOD_SPREAD, Op.SUPER_CALL, Op.SUPER_GET, Op.CLOSURE, Op.SPAWN,
    Op.CLASS, Op.NEW, Op.NEW_OBJECT, Op.GET_PROP, Op.SET_PROP, Op.NEW_ARRAY, Op.ARRAY_SLICE_FROM,
    Op.ITER_NEXT, Op.LOAD_CAPABILITY, Op.SPAWN_METHOD_SPREAD,
  ];
  const two = [Op.JUMP_IF_NOT_ABSENT, Op.CALL_METHOD, Op.SUPER_METHOD, Op.SPAWN_METHOD, Op.OBJECT_REST];
  for (const op of one) n[op] = 1;
  for (const op of two) n[op] = 2;
  return n;
})();

export const OP_NAMES: readonly string[] = [
  "NOP", "CONST", "PUSH_INT", "PUSH_NULL", "PUSH_TRUE", "PUSH_FALSE", "POP", "DUP", "DUP2", "SWAP",
  "LOAD_LOCAL", "STORE_LOCAL", "LOAD_GLOBAL", "STORE_GLOBAL", "BOX_LOCAL", "LOAD_BOXED", "STORE_BOXED",
  "LOAD_CAPTURE", "STORE_CAPTURE", "LOAD_BUILTIN", "JUMP_IF_NOT_ABSENT",
  "ADD", "SUB", "MUL", "DIV", "MOD", "POW", "ADD_I", "SUB_I", "MUL_I", "MOD_I",
  "BIT_AND", "BIT_OR", "BIT_XOR", "SHL", "SHR", "USHR", "NEG", "NEG_I", "PLUS", "BIT_NOT", "NOT",
  "EQ", "NE", "LT", "LE", "GT", "GE", "TYPEOF", "INSTANCEOF", "IN", "TO_STRING",
  "JUMP", "JUMP_IF_FALSE", "JUMP_IF_TRUE", "JUMP_IF_FALSE_KEEP", "JUMP_IF_TRUE_KEEP",
  "JUMP_IF_NOT_NULL_KEEP", "JUMP_IF_NULL_KEEP",
  "CALL", "CALL_METHOD", "CALL_SPREAD", "CALL_METHOD_SPREAD", "SUPER_CALL", "SUPER_METHOD", "SUPER_GET",
  "RETURN", "CLOSURE", "SPAWN", "SPAWN_METHOD", "AWAIT",
  "CLASS", "NEW", "NEW_SPREAD", "NEW_OBJECT", "OBJECT_SPREAD", "OBJECT_REST", "GET_PROP", "SET_PROP",
  "GET_INDEX", "SET_INDEX", "GET_INDEX_OR_ABSENT", "NEW_ARRAY", "ARRAY_PUSH", "ARRAY_SPREAD",
  "ARRAY_SLICE_FROM", "IS_ABSENT",
  "ITER_INIT", "ITER_NEXT", "THROW", "LOAD_CAPABILITY",
  "SUPER_CALL_SPREAD", "SPAWN_SPREAD", "SPAWN_METHOD_SPREAD",
];

/** Operand positions (0-based) that hold an absolute jump target. */
export function jumpOperandIndex(op: Op): number {
  switch (op) {
    case Op.JUMP: case Op.JUMP_IF_FALSE: case Op.JUMP_IF_TRUE: case Op.JUMP_IF_FALSE_KEEP:
    case Op.JUMP_IF_TRUE_KEEP: case Op.JUMP_IF_NOT_NULL_KEEP: case Op.JUMP_IF_NULL_KEEP: case Op.ITER_NEXT:
      return 0;
    case Op.JUMP_IF_NOT_ABSENT:
      return 1;
    default:
      return -1;
  }
}

// The verifier: each rule broken on purpose, with the exact message expected.
import * as assert from "node:assert/strict";
import { InvalidBytecodeError } from "../../runtime/bytecode/errors";
import type { Program } from "../../runtime/bytecode/module";
import { Op } from "../../runtime/bytecode/opcodes";
import { BUILTIN_NAMES, MAX_LOCALS, MAX_STACK, opcodesWithoutStackEffect, verifyProgram } from "../../runtime/bytecode/verify";
import { OPERAND_COUNT } from "../../runtime/bytecode/opcodes";
import { assemble, type AsmItem, makeFunction, makeProgram, prng, sampleProgram } from "./bytecode-helpers.test";

function rejects(program: Program, message: string): void {
  try {
    verifyProgram(program);
  } catch (e) {
    if (!(e instanceof InvalidBytecodeError)) throw e;
    assert.equal(e.message, message);
    assert.equal(e.message, `${e.where}: ${e.problem}`);
    return;
  }
  assert.fail(`accepted a program that should fail with: ${message}`);
}

/** The sample program after `change`. */
function sampleWith(change: (p: Program) => void): Program {
  const p = sampleProgram();
  change(p);
  return p;
}

/** A one-function program; `main` has 3 locals and maxStack 4 unless overridden. */
function mainOnly(items: AsmItem[], fields: Partial<Program> = {}, fn: Parameters<typeof makeProgram>[2] = {}): Program {
  return makeProgram(assemble(items), fields, { numLocals: 3, ...fn });
}

const STRINGS: Program["constants"] = [
  { kind: "string", value: "a" },
  { kind: "string", value: "b" },
  { kind: "int", value: 7 },
  { kind: "string", value: "Math" },
];

describe("bytecode verifier", () => {
  it("has a stack effect rule for every opcode", () => {
    assert.deepEqual(opcodesWithoutStackEffect(), []);
  });

  it("accepts the sample program", () => {
    verifyProgram(sampleProgram());
  });

  describe("accepts the stack effects documented in opcodes.ts", () => {
    const accepted: [string, AsmItem[], Partial<Program>?][] = [
      ["&& keeps the value on the jump path only", [[Op.PUSH_TRUE], [Op.JUMP_IF_FALSE_KEEP, "@end"], [Op.PUSH_FALSE], "end:", [Op.RETURN]]],
      ["|| likewise", [[Op.PUSH_TRUE], [Op.JUMP_IF_TRUE_KEEP, "@end"], [Op.PUSH_FALSE], "end:", [Op.RETURN]]],
      ["?? likewise", [[Op.PUSH_NULL], [Op.JUMP_IF_NOT_NULL_KEEP, "@end"], [Op.PUSH_INT, 1], "end:", [Op.RETURN]]],
      ["?. keeps the value on both paths", [[Op.PUSH_NULL], [Op.JUMP_IF_NULL_KEEP, "@end"], [Op.GET_PROP, 0], "end:", [Op.RETURN]], { constants: STRINGS }],
      ["ITER_NEXT pushes a value, or pops the iterator and jumps", [
        [Op.NEW_ARRAY, 0], [Op.ITER_INIT], "loop:", [Op.ITER_NEXT, "@done"], [Op.POP], [Op.JUMP, "@loop"],
        "done:", [Op.PUSH_NULL], [Op.RETURN],
      ]],
      ["CALL pops the callee and argc arguments", [[Op.PUSH_NULL], [Op.PUSH_INT, 1], [Op.PUSH_INT, 2], [Op.CALL, 2], [Op.RETURN]]],
      ["SUPER_CALL pops parent, this and arguments and pushes nothing", [
        [Op.PUSH_NULL], [Op.LOAD_LOCAL, 0], [Op.PUSH_INT, 1], [Op.SUPER_CALL, 1], [Op.PUSH_NULL], [Op.RETURN],
      ]],
      ["SUPER_METHOD pops parent, this and arguments", [[Op.PUSH_NULL], [Op.LOAD_LOCAL, 0], [Op.SUPER_METHOD, 0, 0], [Op.RETURN]], { constants: STRINGS }],
      ["CALL_METHOD and SPAWN_METHOD pop the receiver and arguments", [
        [Op.PUSH_NULL], [Op.PUSH_INT, 1], [Op.CALL_METHOD, 0, 1], [Op.PUSH_INT, 2], [Op.SPAWN_METHOD, 1, 1], [Op.AWAIT], [Op.RETURN],
      ], { constants: STRINGS }],
      ["NEW_ARRAY pops n values", [[Op.PUSH_INT, 1], [Op.PUSH_INT, 2], [Op.PUSH_INT, 3], [Op.NEW_ARRAY, 3], [Op.RETURN]]],
      ["OBJECT_REST takes n string keys", [[Op.PUSH_NULL], [Op.OBJECT_REST, 0, 2], [Op.RETURN]], { constants: STRINGS }],
      ["OBJECT_REST with no keys", [[Op.PUSH_NULL], [Op.OBJECT_REST, 0, 0], [Op.RETURN]]],
      ["DUP2 and SWAP", [[Op.PUSH_INT, 1], [Op.PUSH_INT, 2], [Op.DUP2], [Op.SWAP], [Op.SET_INDEX], [Op.SWAP], [Op.ADD], [Op.RETURN]]],
      ["LOAD_BUILTIN of an allowed name", [[Op.LOAD_BUILTIN, 3], [Op.RETURN]], { constants: STRINGS }],
      ["unreachable code after RETURN may end without a terminator", [[Op.PUSH_NULL], [Op.RETURN], [Op.NOP]]],
      ["default parameter prologue", [[Op.JUMP_IF_NOT_ABSENT, 1, "@body"], [Op.PUSH_INT, 5], [Op.STORE_LOCAL, 1], "body:", [Op.LOAD_LOCAL, 1], [Op.RETURN]]],
    ];
    for (const [title, items, fields] of accepted) {
      it(title, () => verifyProgram(mainOnly(items, fields, { arity: 1 })));
    }

    it("NEW_OBJECT pops one value per shape field", () => {
      const p = sampleProgram();
      p.functions[0] = makeFunction({ numLocals: 2, maxStack: 2, code: assemble([[Op.PUSH_INT, 1], [Op.PUSH_INT, 2], [Op.NEW_OBJECT, 1], [Op.RETURN]]) });
      verifyProgram(p);
      p.functions[0].code = assemble([[Op.PUSH_INT, 1], [Op.NEW_OBJECT, 1], [Op.RETURN]]);
      rejects(p, "function 0 'main' pc 2: NEW_OBJECT needs 2 stack values but the stack holds 1");
    });

    it("a try handler starts with the thrown value above stackDepth", () => {
      const p = mainOnly([[Op.PUSH_INT, 1], "try:", [Op.PUSH_INT, 2], [Op.THROW], "catch:", [Op.ADD], [Op.RETURN]]);
      p.functions[0].handlers = [{ startPc: 2, endPc: 5, handlerPc: 5, stackDepth: 1 }];
      verifyProgram(p);
      p.functions[0].handlers[0].stackDepth = 0;
      rejects(p, "function 0 'main' pc 5: ADD needs 2 stack values but the stack holds 1");
    });

    it("lists every builtin the VM provides", () => {
      for (const name of ["console", "Math", "JSON", "Map", "Set", "sleep", "Task", "Mutex", "Channel", "Vm", "Compiler", "VmError"]) {
        assert.ok(BUILTIN_NAMES.includes(name), name);
      }
    });
  });

  describe("instruction stream", () => {
    it("rejects an invalid opcode", () => {
      rejects(mainOnly([[200], [Op.RETURN]]), "function 0 'main' pc 0: invalid opcode 200");
      rejects(mainOnly([[Op.PUSH_NULL], [-1]]), "function 0 'main' pc 1: invalid opcode -1");
      rejects(mainOnly([[Op.PUSH_NULL], [Op.OP_COUNT]]), `function 0 'main' pc 1: invalid opcode ${Op.OP_COUNT}`);
    });

    it("rejects an instruction cut off by the end of the code", () => {
      rejects(mainOnly([[Op.PUSH_NULL], [Op.RETURN], [Op.CALL_METHOD, 0]]), "function 0 'main' pc 2: CALL_METHOD needs 2 operands but the code ends after 1");
    });

    it("rejects empty code", () => {
      rejects(mainOnly([]), "function 0 'main': function has no code");
    });

    it("checks operands of unreachable instructions too", () => {
      rejects(mainOnly([[Op.PUSH_NULL], [Op.RETURN], [Op.LOAD_LOCAL, 99]]), "function 0 'main' pc 2: LOAD_LOCAL local slot 99 is out of range (numLocals 3)");
    });
  });

  describe("operands", () => {
    const cases: [string, Program, string][] = [
      ["constant index", mainOnly([[Op.CONST, 4], [Op.RETURN]], { constants: STRINGS }), "function 0 'main' pc 0: constant 4 is out of range"],
      ["negative constant index", mainOnly([[Op.CONST, -1], [Op.RETURN]], { constants: STRINGS }), "function 0 'main' pc 0: constant -1 is out of range"],
      ["GET_PROP of a non-string", mainOnly([[Op.PUSH_NULL], [Op.GET_PROP, 2], [Op.RETURN]], { constants: STRINGS }),
        "function 0 'main' pc 1: GET_PROP needs a string constant but constant 2 is int"],
      ["SET_PROP out of range", mainOnly([[Op.PUSH_NULL], [Op.PUSH_NULL], [Op.SET_PROP, 9], [Op.RETURN]], { constants: STRINGS }),
        "function 0 'main' pc 2: SET_PROP constant 9 is out of range"],
      ["CALL_METHOD of a non-string", mainOnly([[Op.PUSH_NULL], [Op.CALL_METHOD, 2, 0], [Op.RETURN]], { constants: STRINGS }),
        "function 0 'main' pc 1: CALL_METHOD needs a string constant but constant 2 is int"],
      ["LOAD_BUILTIN of a name not on the list", mainOnly([[Op.LOAD_BUILTIN, 0], [Op.RETURN]], { constants: STRINGS }),
        'function 0 \'main\' pc 0: LOAD_BUILTIN of unknown builtin "a"'],
      ["LOAD_CAPABILITY of a non-string", mainOnly([[Op.LOAD_CAPABILITY, 2], [Op.RETURN]], { constants: STRINGS }),
        "function 0 'main' pc 0: LOAD_CAPABILITY needs a string constant but constant 2 is int"],
      ["OBJECT_REST keys run into a non-string", mainOnly([[Op.PUSH_NULL], [Op.OBJECT_REST, 1, 2], [Op.RETURN]], { constants: STRINGS }),
        "function 0 'main' pc 1: OBJECT_REST needs a string constant but constant 2 is int"],
      ["OBJECT_REST keys past the pool", mainOnly([[Op.PUSH_NULL], [Op.OBJECT_REST, 3, 2], [Op.RETURN]], { constants: STRINGS }),
        "function 0 'main' pc 1: OBJECT_REST constant 3 is out of range"],
      ["OBJECT_REST negative key count", mainOnly([[Op.PUSH_NULL], [Op.OBJECT_REST, 0, -1], [Op.RETURN]], { constants: STRINGS }),
        "function 0 'main' pc 1: OBJECT_REST key count -1 is negative"],
      ["local slot", mainOnly([[Op.PUSH_NULL], [Op.STORE_LOCAL, 3], [Op.PUSH_NULL], [Op.RETURN]]),
        "function 0 'main' pc 1: STORE_LOCAL local slot 3 is out of range (numLocals 3)"],
      ["JUMP_IF_NOT_ABSENT slot", mainOnly([[Op.JUMP_IF_NOT_ABSENT, -1, 0], [Op.PUSH_NULL], [Op.RETURN]]),
        "function 0 'main' pc 0: JUMP_IF_NOT_ABSENT local slot -1 is out of range (numLocals 3)"],
      ["global", mainOnly([[Op.LOAD_GLOBAL, 0], [Op.RETURN]]), "function 0 'main' pc 0: LOAD_GLOBAL global 0 is out of range"],
      ["capture", mainOnly([[Op.LOAD_CAPTURE, 0], [Op.RETURN]]), "function 0 'main' pc 0: LOAD_CAPTURE capture 0 is out of range (0 captures)"],
      ["CLOSURE function", mainOnly([[Op.CLOSURE, 1], [Op.RETURN]]), "function 0 'main' pc 0: CLOSURE function 1 is out of range"],
      ["CLASS index", mainOnly([[Op.PUSH_NULL], [Op.CLASS, 0], [Op.RETURN]]), "function 0 'main' pc 1: CLASS class 0 is out of range"],
      ["NEW_OBJECT index", mainOnly([[Op.NEW_OBJECT, 5], [Op.RETURN]]), "function 0 'main' pc 0: NEW_OBJECT class 5 is out of range"],
      ["negative argc", mainOnly([[Op.PUSH_NULL], [Op.CALL, -1], [Op.RETURN]]), "function 0 'main' pc 1: CALL argument count -1 is out of range"],
      ["huge argc", mainOnly([[Op.PUSH_NULL], [Op.NEW, 1 << 20], [Op.RETURN]]), "function 0 'main' pc 1: NEW argument count 1048576 is out of range"],
      ["negative NEW_ARRAY count", mainOnly([[Op.NEW_ARRAY, -2], [Op.RETURN]]), "function 0 'main' pc 0: NEW_ARRAY count -2 is negative"],
      ["negative slice start", mainOnly([[Op.PUSH_NULL], [Op.ARRAY_SLICE_FROM, -1], [Op.RETURN]]), "function 0 'main' pc 1: ARRAY_SLICE_FROM count -1 is negative"],
      ["jump target out of range", mainOnly([[Op.JUMP, 999]]), "function 0 'main' pc 0: jump target 999 is out of range"],
      ["negative jump target", mainOnly([[Op.PUSH_TRUE], [Op.JUMP_IF_TRUE, -4], [Op.PUSH_NULL], [Op.RETURN]]), "function 0 'main' pc 1: jump target -4 is out of range"],
      ["jump into an operand", mainOnly([[Op.PUSH_INT, 1], [Op.JUMP, 1]]), "function 0 'main' pc 2: jump target 1 is not the start of an instruction"],
      ["jump to the end", mainOnly([[Op.PUSH_TRUE], [Op.ITER_NEXT, 4], [Op.RETURN]]), "function 0 'main' pc 1: jump target 4 is out of range"],
    ];
    for (const [title, program, message] of cases) it(`rejects a bad ${title}`, () => rejects(program, message));

    it("rejects CLASS of a shape and NEW_OBJECT of a class", () => {
      rejects(sampleWith((p) => { p.functions[0].code[27] = 1; }), "function 0 'main' pc 26: CLASS of class 1 '{x, y}', which is a shape");
      rejects(sampleWith((p) => { p.functions[0].code[40] = 0; }), "function 0 'main' pc 39: NEW_OBJECT of class 0 'Point', which is not a shape");
    });

    it("rejects a jump in the sample's fib to a bad pc", () => {
      rejects(sampleWith((p) => { p.functions[1].code[6] = 999; }), "function 1 'fib' pc 5: jump target 999 is out of range");
      rejects(sampleWith((p) => { p.functions[1].code[6] = 11; }), "function 1 'fib' pc 5: jump target 11 is not the start of an instruction");
    });
  });

  describe("closures and captures", () => {
    it("rejects a CLOSURE whose function captures a local its creator lacks", () => {
      rejects(
        sampleWith((p) => { p.functions[2].captures[0].index = 5; }),
        "function 0 'main' pc 22: function 2 '<anonymous>' capture 0 reads local 5, but this function has 2 locals",
      );
    });

    it("rejects a CLOSURE whose function captures a capture its creator lacks", () => {
      rejects(
        sampleWith((p) => { p.functions[2].captures[0] = { fromParentLocal: false, index: 0 }; }),
        "function 0 'main' pc 22: function 2 '<anonymous>' capture 0 reads capture 0, but this function has 0 captures",
      );
    });

    it("checks the captures of class methods and constructors at CLASS", () => {
      rejects(
        sampleWith((p) => { p.functions[4].captures = [{ fromParentLocal: true, index: 9 }]; }),
        "function 0 'main' pc 26: function 4 'Point.len' capture 0 reads local 9, but this function has 2 locals",
      );
    });

    it("rejects an entry function with captures", () => {
      rejects(
        sampleWith((p) => { p.functions[0].captures = [{ fromParentLocal: true, index: 0 }]; }),
        "entry: function 0 'main' is the entry but has captures, and nothing creates it as a closure",
      );
    });
  });

  describe("operand stack", () => {
    it("rejects popping an empty stack", () => {
      rejects(mainOnly([[Op.POP], [Op.PUSH_NULL], [Op.RETURN]]), "function 0 'main' pc 0: POP needs 1 stack value but the stack holds 0");
      rejects(mainOnly([[Op.PUSH_NULL], [Op.CALL, 1], [Op.RETURN]]), "function 0 'main' pc 1: CALL needs 2 stack values but the stack holds 1");
      rejects(mainOnly([[Op.PUSH_NULL], [Op.PUSH_NULL], [Op.SUPER_CALL, 1], [Op.PUSH_NULL], [Op.RETURN]]),
        "function 0 'main' pc 2: SUPER_CALL needs 3 stack values but the stack holds 2");
      rejects(mainOnly([[Op.RETURN]]), "function 0 'main' pc 0: RETURN needs 1 stack value but the stack holds 0");
    });

    it("rejects exceeding maxStack", () => {
      rejects(mainOnly([[Op.PUSH_NULL], [Op.DUP], [Op.POP], [Op.RETURN]], {}, { maxStack: 1 }), "function 0 'main' pc 1: stack depth 2 exceeds maxStack 1");
      rejects(mainOnly([[Op.NEW_ARRAY, 0], [Op.ITER_INIT], [Op.ITER_NEXT, 0], [Op.RETURN]], {}, { maxStack: 1 }),
        "function 0 'main' pc 3: stack depth 2 exceeds maxStack 1");
    });

    it("rejects different depths where paths merge", () => {
      rejects(
        mainOnly([[Op.PUSH_TRUE], [Op.JUMP_IF_FALSE, "@join"], [Op.PUSH_NULL], "join:", [Op.PUSH_NULL], [Op.RETURN]]),
        "function 0 'main' pc 3: stack depth 1 at pc 4 differs from depth 0 on another path to it",
      );
      // A loop whose body leaves a value behind on every iteration.
      rejects(
        mainOnly(["top:", [Op.PUSH_NULL], [Op.JUMP, "@top"]]),
        "function 0 'main' pc 1: stack depth 1 at pc 0 differs from depth 0 on another path to it",
      );
    });

    it("rejects falling off the end of a function", () => {
      rejects(mainOnly([[Op.PUSH_NULL], [Op.POP]]), "function 0 'main' pc 1: execution falls off the end of the function after POP");
      rejects(mainOnly([[Op.PUSH_TRUE], [Op.JUMP_IF_TRUE, 0]]), "function 0 'main' pc 1: execution falls off the end of the function after JUMP_IF_TRUE");
    });
  });

  describe("exception handlers", () => {
    const withHandler = (h: Program["functions"][number]["handlers"][number], maxStack = 4) => {
      const p = mainOnly([[Op.PUSH_INT, 1], [Op.PUSH_INT, 2], [Op.THROW], [Op.RETURN]], {}, { maxStack });
      p.functions[0].handlers = [h];
      return p;
    };
    it("accepts a valid handler", () => verifyProgram(withHandler({ startPc: 2, endPc: 5, handlerPc: 5, stackDepth: 1 })));
    it("rejects an empty or reversed range", () => {
      rejects(withHandler({ startPc: 2, endPc: 2, handlerPc: 5, stackDepth: 1 }), "function 0 'main' handler 0: range [2, 2) is not valid");
      rejects(withHandler({ startPc: 0, endPc: 7, handlerPc: 5, stackDepth: 1 }), "function 0 'main' handler 0: range [0, 7) is not valid");
    });
    it("rejects a range that splits an instruction", () => {
      rejects(withHandler({ startPc: 1, endPc: 4, handlerPc: 5, stackDepth: 1 }),
        "function 0 'main' handler 0: range [1, 4) does not start and end at instruction boundaries");
    });
    it("rejects a handler pc that is not an instruction", () => {
      rejects(withHandler({ startPc: 2, endPc: 5, handlerPc: 6, stackDepth: 1 }), "function 0 'main' handler 0: handler pc 6 is not the start of an instruction");
      rejects(withHandler({ startPc: 2, endPc: 5, handlerPc: 3, stackDepth: 1 }), "function 0 'main' handler 0: handler pc 3 is not the start of an instruction");
    });
    it("accepts a finally handler that stores the thrown value, and rejects one that does not", () => {
      const p = mainOnly([[Op.PUSH_INT, 1], [Op.THROW], [Op.STORE_LOCAL, 0], [Op.PUSH_NULL], [Op.RETURN]], {}, { maxStack: 2 });
      p.functions[0].handlers = [{ startPc: 0, endPc: 3, handlerPc: 3, stackDepth: 0, isFinally: true }];
      verifyProgram(p);
      rejects(withHandler({ startPc: 2, endPc: 5, handlerPc: 5, stackDepth: 1, isFinally: true }),
        "function 0 'main' handler 0: a finally handler must start by storing the thrown value (STORE_LOCAL)");
    });
    it("rejects a stack depth that leaves no room for the thrown value", () => {
      rejects(withHandler({ startPc: 2, endPc: 5, handlerPc: 5, stackDepth: 2 }, 2),
        "function 0 'main' handler 0: stack depth 2 plus the thrown value exceeds maxStack 2");
    });
    it("rejects a handler entry depth that disagrees with another path", () => {
      const p = mainOnly([[Op.PUSH_INT, 1], [Op.PUSH_INT, 2], [Op.POP], [Op.RETURN]]);
      p.functions[0].handlers = [{ startPc: 2, endPc: 5, handlerPc: 5, stackDepth: 1 }];
      rejects(p, "function 0 'main' pc 4: stack depth 1 at pc 5 differs from depth 2 on another path to it");
    });
    it("rejects protecting code where the stack is below stackDepth", () => {
      const p = mainOnly([[Op.PUSH_INT, 1], [Op.PUSH_INT, 2], [Op.THROW], "catch:", [Op.RETURN]]);
      p.functions[0].handlers = [{ startPc: 0, endPc: 5, handlerPc: 5, stackDepth: 0 }];
      // The handler path joins pc 5 with depth 1 and so does no other path: valid.
      verifyProgram(p);
      p.functions[0].handlers = [{ startPc: 0, endPc: 5, handlerPc: 5, stackDepth: 1 }];
      p.functions[0].code = assemble([[Op.PUSH_INT, 1], [Op.PUSH_INT, 2], [Op.THROW], "catch:", [Op.POP], [Op.RETURN]]);
      rejects(p, "function 0 'main' handler 0: protects pc 0 where the stack holds 0 values, fewer than its stackDepth 1");
    });
  });

  describe("function tables", () => {
    it("rejects line table rows out of range, out of order or inside an instruction", () => {
      rejects(sampleWith((p) => { p.functions[1].lines.push({ pc: 30, line: 4, column: 1 }); }), "function 1 'fib' line entry 2: pc 30 is out of range");
      rejects(sampleWith((p) => { p.functions[1].lines[1].pc = 1; }), "function 1 'fib' line entry 1: pc 1 is not the start of an instruction");
      rejects(sampleWith((p) => { p.functions[1].lines.push({ pc: 5, line: 4, column: 1 }); }), "function 1 'fib' line entry 2: pc 5 is below the previous entry's pc 10");
      rejects(sampleWith((p) => { p.functions[1].lines[0].line = -1; }), "function 1 'fib' line entry 0: position -1:3 is not valid");
    });

    it("rejects local variable info with a bad slot or range", () => {
      rejects(sampleWith((p) => { p.functions[1].locals[0].slot = 2; }), "function 1 'fib' local 0 'n': slot 2 is out of range (numLocals 2)");
      rejects(sampleWith((p) => { p.functions[1].locals[0].endPc = 31; }), "function 1 'fib' local 0 'n': live range [0, 31) is not valid");
    });

    it("rejects frame sizes that cannot hold the parameters or are too large", () => {
      rejects(sampleWith((p) => { p.functions[1].numLocals = 1; }), "function 1 'fib': numLocals 1 cannot hold slot 0 and 1 parameters");
      rejects(sampleWith((p) => { p.functions[1].numLocals = MAX_LOCALS + 1; }), `function 1 'fib': numLocals ${MAX_LOCALS + 1} is not between 0 and ${MAX_LOCALS}`);
      rejects(sampleWith((p) => { p.functions[1].maxStack = MAX_STACK + 1; }), `function 1 'fib': maxStack ${MAX_STACK + 1} is not between 0 and ${MAX_STACK}`);
      rejects(sampleWith((p) => { p.functions[2].hasRest = true; }), "function 2 '<anonymous>': hasRest is set but the function has no parameters");
    });

    it("rejects file indices out of range", () => {
      rejects(sampleWith((p) => { p.functions[3].file = 2; }), "function 3 'Point.constructor': file 2 is out of range");
      rejects(sampleWith((p) => { p.globals[1].file = 7; }), "global 1 '<prelude>:Error': file 7 is out of range");
      rejects(sampleWith((p) => { p.classes[1].file = -1; }), "class 1 '{x, y}': file -1 is out of range");
    });

    it("rejects int constants that are not int32 and unknown kinds", () => {
      rejects(sampleWith((p) => { p.constants[2] = { kind: "int", value: 1.5 }; }), "constant 2: int constant 1.5 is not a 32-bit integer");
      rejects(sampleWith((p) => { p.constants[2] = { kind: "int", value: -0 }; }), "constant 2: int constant 0 is not a 32-bit integer");
      rejects(sampleWith((p) => { p.constants[2] = { kind: "bigint", value: 1 } as unknown as Program["constants"][number]; }),
        'constant 2: unknown constant kind "bigint"');
    });

    it("rejects a bad entry, intrinsic or version", () => {
      rejects(sampleWith((p) => { p.entry = 6; }), "entry: entry function 6 is out of range (6 functions)");
      rejects(sampleWith((p) => { p.intrinsics[0].global = 2; }), "intrinsic 0 'Error': global 2 is out of range");
      rejects(sampleWith((p) => { p.version = 2; }), "header: unsupported bytecode version 2 (expected 1)");
    });
  });

  describe("class layouts", () => {
    it("rejects a parent that is not an earlier class", () => {
      rejects(sampleWith((p) => { p.classes[0].parent = 2; }), "class 0 'Point': parent 2 must be -1 or a class index below 0");
      rejects(sampleWith((p) => { p.classes[2].parent = 2; }), "class 2 'Point3': parent 2 must be -1 or a class index below 2");
      rejects(sampleWith((p) => { p.classes[2].parent = 1; }), "class 2 'Point3': parent 1 '{x, y}' is a shape, not a class");
    });

    it("rejects a subclass that does not keep its parent's field slots", () => {
      rejects(sampleWith((p) => { p.classes[2].fields = ["y", "x", "z"]; }),
        "class 2 'Point3': field slot 0 must be the inherited field 'x' of class 0 'Point'");
      rejects(sampleWith((p) => { p.classes[2].fields = ["x"]; }),
        "class 2 'Point3': field slot 1 must be the inherited field 'y' of class 0 'Point'");
    });

    it("rejects duplicate fields and methods", () => {
      rejects(sampleWith((p) => { p.classes[0].fields = ["x", "x"]; }), "class 0 'Point': duplicate field 'x'");
      rejects(sampleWith((p) => { p.classes[0].methods.push({ name: "len", fn: 4, kind: "get", static: false }); }),
        "class 0 'Point' method 1 'len': duplicate get len");
    });

    it("rejects constructors and methods that are out of range or not methods", () => {
      rejects(sampleWith((p) => { p.classes[0].constructorFn = -1; }), "class 0 'Point': constructorFn -1 is out of range");
      rejects(sampleWith((p) => { p.classes[0].methods[0].fn = 1; }), "class 0 'Point' method 0 'len': fn function 1 'fib' is not marked isMethod");
      rejects(sampleWith((p) => { p.classes[0].methods[0].fn = 60; }), "class 0 'Point' method 0 'len': fn 60 is out of range");
    });

    it("rejects shapes with class features", () => {
      rejects(sampleWith((p) => { p.classes[1].constructorFn = 3; }), "class 1 '{x, y}': a shape cannot have a constructor (constructorFn is 3)");
      rejects(sampleWith((p) => { p.classes[1].methods = [{ name: "m", fn: 4, kind: "method", static: false }]; }), "class 1 '{x, y}': a shape cannot have methods");
      rejects(sampleWith((p) => { p.classes[1].parent = 0; }), "class 1 '{x, y}': a shape cannot have a parent (parent is 0)");
    });
  });

  it("answers random instruction sequences with InvalidBytecodeError or acceptance, nothing else", () => {
    const random = prng(2024);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const p = sampleProgram();
      const words: number[] = [];
      const count = 1 + Math.floor(random() * 12);
      for (let k = 0; k < count; k++) {
        const op = Math.floor(random() * Op.OP_COUNT);
        words.push(op);
        // Small operands so many land in range and the checks after the range checks run too.
        for (let o = 0; o < OPERAND_COUNT[op]; o++) words.push(Math.floor(random() * 8) - 1);
      }
      if (random() < 0.5) words.push(Op.RETURN);
      const fn = p.functions[random() < 0.5 ? 1 : 5];
      fn.code = Int32Array.from(words);
      fn.lines = [];
      fn.locals = [];
      try {
        verifyProgram(p);
        accepted++;
      } catch (e) {
        if (!(e instanceof InvalidBytecodeError)) assert.fail(`case ${i}: ${(e as Error).stack}`);
      }
    }
    assert.ok(accepted > 0, "no random sequence verified: the generator is too weak to test acceptance paths");
  });
});

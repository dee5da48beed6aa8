// raya:vm from Raya code, for `npm run bench`: what a plugin host written in Raya pays for an
// inner VM (create + load + terminate), a capability call answered by a Raya function in the
// host, and an awaited entry round trip. Each is timed as a whole program and compared with
// the same program doing the local equivalent, measured in the same run. Called by bench.ts.
import { compile, run } from "../runtime";
import { medianMs } from "./timing";

const REPETITIONS = 5;
const VMS = 500;
const CALLS = 20_000;

interface Pair {
  title: string;
  count: number;
  unit: string;
  /** The raya:vm program and the local program it is compared with; both print `expected`. */
  inner: string;
  local: string;
  expected: string;
}

const PLUGIN = `export function echo(x: int): int { return x; }
export function calls(n: int): number { let s: number = 0; for (let i = 0; i < n; i++) { if (Number(tell(i)) > -1) s++; } return s; }`;

const PAIRS: Pair[] = [
  {
    title: "Vm create + loadBytecode + first entry + terminate, from Raya",
    count: VMS,
    unit: "VM",
    inner: `import { Vm, Compiler } from "raya:vm";
const program = new Compiler().compileString("export function one(): int { return 1; }", "one.raya");
let total = 0;
for (let i = 0; i < ${VMS}; i++) {
  const vm = new Vm({ name: "tiny", maxStepBudget: 100000 });
  vm.loadBytecode(program.bytecode);
  total += await vm.runEntry<int>("one", []);
  vm.terminate();
}
console.log(total);`,
    local: `function one(): int { return 1; }
let total = 0;
for (let i = 0; i < ${VMS}; i++) { total += one(); }
console.log(total);`,
    expected: String(VMS),
  },
  {
    title: "capability call answered by a Raya function in the host",
    count: CALLS,
    unit: "call",
    inner: `import { Vm } from "raya:vm";
const vm = new Vm({ name: "caller" });
vm.registerCapability("tell", (n: int): int => n);
vm.loadSource(${JSON.stringify(`import { tell } from "host:";\n${PLUGIN}`)}, "p.raya");
console.log(await vm.runEntry<number>("calls", [${CALLS}]));`,
    local: `function tell(n: int): int { return n; }
function calls(n: int): number { let s: number = 0; for (let i = 0; i < n; i++) { if (tell(i) > -1) s++; } return s; }
console.log(calls(${CALLS}));`,
    expected: String(CALLS),
  },
  {
    title: "awaited entry round trip into an inner VM",
    count: CALLS,
    unit: "round trip",
    inner: `import { Vm } from "raya:vm";
const vm = new Vm({ name: "echo" });
vm.loadSource("export function echo(x: int): int { return x; }", "e.raya");
let sum = 0;
for (let i = 0; i < ${CALLS}; i++) { sum += await vm.runEntry<int>("echo", [1]); }
console.log(sum);`,
    local: `async function echo(x: int): Promise<int> { return x; }
let sum = 0;
for (let i = 0; i < ${CALLS}; i++) { sum += await echo(1); }
console.log(sum);`,
    expected: String(CALLS),
  },
];

async function timeProgram(source: string, expected: string): Promise<number> {
  const program = compile(source, { filename: "bench-inner-vm.raya", readFile: () => null });
  return medianMs(REPETITIONS, async () => {
    const outcome = await run(program);
    if (outcome.output[outcome.output.length - 1] !== expected) {
      throw new Error(`benchmark program printed ${JSON.stringify(outcome.output)}, expected ${expected}`);
    }
  });
}

export async function runInnerVmBenchmarks(): Promise<void> {
  console.log(`\nraya:vm from Raya (median of ${REPETITIONS}; "local" is the same work without an inner VM)`);
  for (const pair of PAIRS) {
    const innerMs = await timeProgram(pair.inner, pair.expected);
    const localMs = await timeProgram(pair.local, pair.expected);
    const perUnit = (ms: number): string => ((ms * 1000) / pair.count).toFixed(2);
    console.log(`  ${pair.title}: ${perUnit(innerMs)} µs/${pair.unit} (local ${perUnit(localMs)} µs, ${(innerMs / localMs).toFixed(1)}x)`);
  }
}

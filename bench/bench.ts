// `npm run bench`: times Raya against its peers in the same run and prints ratios, since
// absolute times on shared machines are noise. Each figure is the median of several runs.
import * as nodeVm from "node:vm";
import { getQuickJS, type QuickJSWASMModule } from "quickjs-emscripten";
import { compile, run } from "../runtime";
import { runTaskBenchmarks } from "./tasks";
import { benchMarshal } from "./marshal";
import { runContextBenchmarks } from "./contexts";
import { runInnerVmBenchmarks } from "./inner-vm";
import { runDebuggerBenchmarks } from "./debugger";
import { ENGINE_WORKLOADS, type Workload } from "./workloads";
import { medianMs } from "./timing";

const REPETITIONS = 7;

interface Row {
  name: string;
  rayaMs: number;
  quickJsMs: number;
  nodeVmMs: number;
}

async function measureWorkload(workload: Workload, quickJs: QuickJSWASMModule): Promise<Row> {
  const program = compile(workload.raya, { filename: `${workload.name}.raya` });
  const expected = nodeVm.runInNewContext(workload.js);
  const rayaResult = (await run(program)).value;
  if (rayaResult !== expected) {
    throw new Error(`${workload.name}: Raya computed ${String(rayaResult)}, JavaScript ${String(expected)}`);
  }
  const rayaMs = await medianMs(REPETITIONS, () => run(program));
  const quickJsMs = await medianMs(REPETITIONS, () => {
    const context = quickJs.newContext();
    try {
      context.unwrapResult(context.evalCode(workload.js)).dispose();
    } finally {
      context.dispose();
    }
  });
  const nodeVmMs = await medianMs(REPETITIONS, () => nodeVm.runInNewContext(workload.js));
  return { name: workload.name, rayaMs, quickJsMs, nodeVmMs };
}

function printTable(rows: Row[]): void {
  const header = ["workload", "raya ms", "quickjs ms", "node:vm ms", "raya/quickjs"];
  const lines = rows.map((r) => [
    r.name,
    r.rayaMs.toFixed(2),
    r.quickJsMs.toFixed(2),
    r.nodeVmMs.toFixed(2),
    (r.rayaMs / r.quickJsMs).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
  const quickJs = await getQuickJS();
  const rows: Row[] = [];
  for (const workload of ENGINE_WORKLOADS) rows.push(await measureWorkload(workload, quickJs));
  console.log(`Engine workloads (median of ${REPETITIONS}; ratio < 1 means Raya is faster than QuickJS)`);
  printTable(rows);
  await runTaskBenchmarks();
  const marshal = await benchMarshal();
  console.log(
    `\nMarshalling 10,000 records into a context and back: Raya ${marshal.rayaMs.toFixed(2)} ms, ` +
      `structuredClone ${marshal.structuredCloneMs.toFixed(2)} ms, ratio ${(marshal.rayaMs / marshal.structuredCloneMs).toFixed(2)} (target <= 1)`,
  );
  await runContextBenchmarks();
  await runInnerVmBenchmarks();
  await runDebuggerBenchmarks();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// Marshalling benchmark: a 10,000-record array moved into another context and back (as an
// entry argument and its result travel), against structuredClone doing the same two copies
// of the equivalent JavaScript array. Called by bench.ts.
import { compile } from "../runtime/compiler/compile";
import { VmContext } from "../runtime/vm/context";
import { fromHost, marshalInAndOut } from "../runtime/vm/marshal";
import { Scheduler } from "../runtime/vm/scheduler";
import { medianMs } from "./timing";

const RECORDS = 10_000;
const REPETITIONS = 7;

interface HostRecord {
  id: number;
  name: string;
  tags: string[];
  score: number;
}

function makeRecords(): HostRecord[] {
  return Array.from({ length: RECORDS }, (_, i) => ({ id: i, name: `user-${i}`, tags: ["alpha", `group-${i % 10}`], score: i * 0.75 }));
}

export async function benchMarshal(): Promise<{ rayaMs: number; structuredCloneMs: number }> {
  const program = compile("return 0;", { filename: "bench-marshal.raya" });
  const outer = new VmContext(program, new Scheduler());
  const inner = new VmContext(program, new Scheduler());
  const hostRecords = makeRecords();
  const rayaRecords = fromHost(hostRecords, outer);
  // One untimed round each, so both sides are measured warm.
  marshalInAndOut(rayaRecords, outer, inner);
  structuredClone(structuredClone(hostRecords));
  const rayaMs = await medianMs(REPETITIONS, () => marshalInAndOut(rayaRecords, outer, inner));
  const structuredCloneMs = await medianMs(REPETITIONS, () => structuredClone(structuredClone(hostRecords)));
  return { rayaMs, structuredCloneMs };
}

// Helpers shared by the hardening suites that drive the Runtime API (runtime/index.ts).
import { strict as assert } from "node:assert";
import { type ContextHandle, type Runtime, type TaskHandle, type VmErrorKind } from "../../runtime/index";

export { failure, thrown } from "../runtime/vm-error-helpers";

/** A host timer: resolves once the event loop has run a timer phase (the scheduler yielded). */
export function hostTimer(ms = 1): Promise<"fired"> {
  return new Promise((resolve) => setTimeout(() => resolve("fired"), ms));
}

/** The sum 0 + 1 + ... + (n - 1): what the sibling's entry must return. */
export function triangular(n: number): number {
  return (n * (n - 1)) / 2;
}

/** A well-behaved context that runs alongside a hostile one; its result proves it was not harmed. */
export function sibling(runtime: Runtime): ContextHandle {
  const context = runtime.createContext({ name: "sibling", maxStepBudget: 50_000_000, maxHeapBytes: 8 << 20, maxTasks: 10 });
  context.loadSource(
    `export function sum(n: int): number { let s: number = 0; for (let i = 0; i < n; i++) { s = s + i; } return s; }
     export async function later(ms: int, n: int): Task<number> { sleep(ms); return sum(n); }`,
    "sibling.raya",
  );
  return context;
}

/** Runs until `handle` settles or `ms` of host time has passed; returns whether it settled. */
export async function settlesWithin(handle: TaskHandle, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = handle.result().then(
    () => true as const,
    () => true as const,
  );
  const outcome = await Promise.race([settled, deadline]);
  clearTimeout(timer);
  return outcome;
}

/** Asserts the context ended with `kind` and released what it held. */
export function assertExitedAndReleased(context: ContextHandle, kind: VmErrorKind): void {
  assert.equal(context.state, "exited");
  assert.equal(context.exitError?.kind, kind, `exit error: ${context.exitError?.message}`);
  const stats = context.stats();
  assert.equal(stats.tasks, 0, "every Task of the context ended");
  assert.equal(stats.heapBytesUsed, 0, "the context's memory is released");
  const vm = context.vmContext;
  if (vm !== null) {
    assert.ok(vm.globals.every((g) => g === null), "its globals are cleared");
    assert.equal(vm.tasks.size, 0, "no Task is left in the context");
  }
}

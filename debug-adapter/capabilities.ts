// The host capabilities a launch can grant by name (`capabilities` in launch.json). A program
// reaches one with `import { log } from "host:"`. The set is small and harmless on purpose: the
// sandbox is for code one does not trust.
import type { Capability } from "../runtime/index";

export const BUILT_IN_CAPABILITY_NAMES: readonly string[] = ["log", "clock"];

/** Descriptions for docs and error messages. */
export const BUILT_IN_CAPABILITIES: Record<string, string> = {
  log: "log(...values): prints its arguments on one line to the Debug Console; returns null",
  clock: "clock(): milliseconds since the Unix epoch (Date.now())",
};

/** The named capabilities; `print` receives what `log` prints (one line, without newline). */
export function builtInCapabilities(names: readonly string[], print: (line: string) => void): Record<string, Capability> {
  const all: Record<string, Capability> = {
    log: (...values: unknown[]) => {
      print(values.map(logText).join(" "));
      return null;
    },
    clock: () => Date.now(),
  };
  const granted: Record<string, Capability> = {};
  for (const name of names) granted[name] = all[name];
  return granted;
}

/** Strings as they are; other values (plain data copied out of Raya) as JSON, Maps as objects. */
function logText(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v)) ?? String(value);
}

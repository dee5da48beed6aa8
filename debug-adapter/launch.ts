// Validation of the `launch` attributes. Every problem is reported with a message naming the
// attribute, so a bad launch.json entry is easy to fix.
import * as fs from "node:fs";
import * as path from "node:path";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { BUILT_IN_CAPABILITY_NAMES } from "./capabilities";

export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments {
  program?: unknown;
  args?: unknown;
  cwd?: unknown;
  stopOnEntry?: unknown;
  sandbox?: unknown;
  limits?: unknown;
  capabilities?: unknown;
  snapshot?: unknown;
  snapshotOnLimit?: unknown;
  /** Required when the adapter serves TCP connections (--server=<port>). */
  serverToken?: unknown;
}

export interface SandboxLimits {
  maxHeapBytes?: number;
  maxTasks?: number;
  maxStepBudget?: number;
}

/** A checked launch: what to run and how. */
export interface LaunchPlan {
  /** Absolute path of the .raya program; null when a snapshot is debugged instead. */
  program: string | null;
  /** Absolute path of the .rayasnap to restore, or null. */
  snapshot: string | null;
  cwd: string;
  stopOnEntry: boolean;
  sandbox: boolean;
  limits: SandboxLimits;
  capabilities: string[];
  snapshotOnLimit: string | null;
  args: string[];
}

export class LaunchError extends Error {}

const LIMIT_NAMES = ["maxHeapBytes", "maxTasks", "maxStepBudget"] as const;

/** Checks the launch attributes; `token` is the serverToken a TCP server requires. */
export function validateLaunch(args: LaunchArguments, token: string | undefined): LaunchPlan {
  if (token !== undefined && args.serverToken !== token) {
    throw new LaunchError("'serverToken' is missing or wrong: this adapter server requires the token it printed at startup");
  }
  if (args.cwd !== undefined && (typeof args.cwd !== "string" || !isDirectory(args.cwd))) {
    throw new LaunchError("'cwd' must be the path of an existing directory");
  }
  const cwd = typeof args.cwd === "string" ? path.resolve(args.cwd) : process.cwd();
  const snapshot = optionalSnapshot(args.snapshot, cwd);
  const program = snapshot !== null && args.program === undefined ? null : requiredProgram(args.program, cwd);
  if (args.args !== undefined && !(Array.isArray(args.args) && args.args.every((a) => typeof a === "string"))) {
    throw new LaunchError("'args' must be an array of strings");
  }
  if (args.stopOnEntry !== undefined && typeof args.stopOnEntry !== "boolean") {
    throw new LaunchError("'stopOnEntry' must be true or false");
  }
  if (args.sandbox !== undefined && typeof args.sandbox !== "boolean") {
    throw new LaunchError("'sandbox' must be true or false");
  }
  const sandbox = args.sandbox === true;
  const limits = sandboxLimits(args.limits, sandbox);
  const capabilities = capabilityNames(args.capabilities);
  let snapshotOnLimit: string | null = null;
  if (args.snapshotOnLimit !== undefined) {
    if (typeof args.snapshotOnLimit !== "string" || !isDirectory(path.resolve(cwd, args.snapshotOnLimit))) {
      throw new LaunchError("'snapshotOnLimit' must be the path of an existing directory");
    }
    snapshotOnLimit = path.resolve(cwd, args.snapshotOnLimit);
  }
  return {
    program,
    snapshot,
    cwd,
    stopOnEntry: args.stopOnEntry === true,
    sandbox,
    limits,
    capabilities,
    snapshotOnLimit,
    args: Array.isArray(args.args) ? (args.args as string[]) : [],
  };
}

function requiredProgram(value: unknown, cwd: string): string {
  if (typeof value !== "string" || !value.endsWith(".raya")) throw new LaunchError("'program' must be a path to a .raya file");
  const program = path.resolve(cwd, value);
  if (!fs.existsSync(program)) throw new LaunchError(`'program' names ${program}, which does not exist`);
  return program;
}

function optionalSnapshot(value: unknown, cwd: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== "string" || value === "") throw new LaunchError("'snapshot' must be the path of a .rayasnap file");
  const file = path.resolve(cwd, value);
  if (!fs.existsSync(file)) throw new LaunchError(`'snapshot' names ${file}, which does not exist`);
  return file;
}

function sandboxLimits(value: unknown, sandbox: boolean): SandboxLimits {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LaunchError("'limits' must be an object with maxHeapBytes, maxTasks and/or maxStepBudget");
  }
  if (!sandbox) throw new LaunchError("'limits' needs 'sandbox': true (limits apply to the sandbox context)");
  const limits: SandboxLimits = {};
  for (const [key, limit] of Object.entries(value)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(key)) {
      throw new LaunchError(`'limits.${key}' is not a limit (expected ${LIMIT_NAMES.join(", ")})`);
    }
    if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit <= 0) {
      throw new LaunchError(`'limits.${key}' must be a positive integer`);
    }
    limits[key as (typeof LIMIT_NAMES)[number]] = limit;
  }
  return limits;
}

function capabilityNames(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new LaunchError("'capabilities' must be an array of capability names");
  }
  for (const name of value as string[]) {
    if (!BUILT_IN_CAPABILITY_NAMES.includes(name)) {
      throw new LaunchError(`'capabilities' names '${name}', which is not a built-in capability (${BUILT_IN_CAPABILITY_NAMES.join(", ")})`);
    }
  }
  return [...new Set(value as string[])];
}

export function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

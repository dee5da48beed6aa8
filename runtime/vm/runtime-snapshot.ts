// The whole-runtime snapshot format (docs/snapshots.md, "Whole-runtime snapshots"): every
// context of a Runtime with its identity, parent, limits and fate, and for each living context
// with a program its own context snapshot (snapshot.ts). Only the byte format lives here;
// Runtime.snapshot() and Runtime.restore() in runtime.ts gather and rebuild the contexts.
//
//   "RAYARTSN" magic, u32 version, u32 context count, then per context (in id order):
//     u32 id (0: the root program run by `raya run`, first if present), string name, i32 parent id (-1: none), f64 maxHeapBytes, f64 maxTasks,
//     f64 maxStepBudget, f64 weight (Infinity: unlimited), f64 steps of its descendants,
//     u8 fate (0 empty, 1 loaded, 2 exited); exited: string kind, string message;
//     loaded: u32 length + that many bytes of its context snapshot
//   u32 CRC-32 of everything before it.
import { ByteReader, ByteWriter, crc32 } from "../bytecode/bytes";
import { CONTEXT_ERROR_KINDS, type ContextErrorKind } from "./errors";
import { InvalidSnapshotError } from "./snapshot";

export const RUNTIME_SNAPSHOT_MAGIC = "RAYARTSN";
export const RUNTIME_SNAPSHOT_VERSION = 1;
/** The id of the root program's record (`raya run --snapshot-out` of a program with inner
 *  VMs): first in the file, not a context of the Runtime. */
export const ROOT_CONTEXT_ID = 0;

export interface ContextRecord {
  id: number;
  name: string;
  parent: number | null;
  limits: { maxHeapBytes: number; maxTasks: number; maxStepBudget: number; weight: number };
  descendantSteps: number;
  fate: { kind: "empty" } | { kind: "loaded"; bytes: Uint8Array } | { kind: "exited"; reason: ContextErrorKind; message: string };
}

const enum Fate {
  Empty = 0,
  Loaded = 1,
  Exited = 2,
}

export function writeRuntimeSnapshot(records: ContextRecord[]): Uint8Array {
  const w = new ByteWriter();
  for (let i = 0; i < 8; i++) w.u8(RUNTIME_SNAPSHOT_MAGIC.charCodeAt(i));
  w.u32(RUNTIME_SNAPSHOT_VERSION);
  w.u32(records.length);
  for (const r of records) {
    w.u32(r.id);
    w.string(r.name);
    w.i32(r.parent ?? -1);
    w.f64(r.limits.maxHeapBytes);
    w.f64(r.limits.maxTasks);
    w.f64(r.limits.maxStepBudget);
    w.f64(r.limits.weight);
    w.f64(r.descendantSteps);
    const fate = r.fate;
    if (fate.kind === "empty") w.u8(Fate.Empty);
    else if (fate.kind === "exited") {
      w.u8(Fate.Exited);
      w.string(fate.reason);
      w.string(fate.message);
    } else {
      w.u8(Fate.Loaded);
      w.u32(fate.bytes.length);
      w.bytes(fate.bytes);
    }
  }
  return w.finish();
}

/** True when `bytes` start like a whole-runtime snapshot (a context snapshot does not). */
export function isRuntimeSnapshot(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length >= 8 && magicOf(bytes) === RUNTIME_SNAPSHOT_MAGIC;
}

function magicOf(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(0, 8));
}

/** Parses the records; throws InvalidSnapshotError naming the problem and its offset. The
 *  context snapshots inside are checked when each is restored. */
export function readRuntimeSnapshot(bytes: Uint8Array): ContextRecord[] {
  if (!(bytes instanceof Uint8Array)) throw new InvalidSnapshotError("input is not a byte array", 0);
  if (bytes.length < 20) throw new InvalidSnapshotError(`too short for a runtime snapshot (${bytes.length} bytes)`, 0);
  const magic = magicOf(bytes);
  if (magic !== RUNTIME_SNAPSHOT_MAGIC) {
    throw new InvalidSnapshotError(magic === "RAYASNAP" ? "this is a single-context snapshot; restore it with restoreContext" : "not a Raya runtime snapshot (bad magic)", 0);
  }
  const end = bytes.length - 4;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + end, 4).getUint32(0, true);
  if (crc32(bytes, 0, end) !== stored) throw new InvalidSnapshotError("checksum mismatch: the snapshot is damaged", end);
  try {
    return readRecords(new ByteReader(bytes, 8, end));
  } catch (error) {
    if (error instanceof InvalidSnapshotError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new InvalidSnapshotError(message, 0);
  }
}

function readRecords(r: ByteReader): ContextRecord[] {
  const version = r.u32("version");
  if (version !== RUNTIME_SNAPSHOT_VERSION) r.fail(`unsupported runtime snapshot version ${version} (this runtime reads ${RUNTIME_SNAPSHOT_VERSION})`, 8);
  const count = r.count(30, "context count");
  const records: ContextRecord[] = [];
  const ids = new Set<number>();
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const id = r.u32("context id");
    if ((id === ROOT_CONTEXT_ID && i !== 0) || ids.has(id)) r.fail(`context id ${id} is ${id === ROOT_CONTEXT_ID ? "the root's, not first" : "repeated"}`, at);
    ids.add(id);
    const name = r.string("context name");
    const parentId = r.i32("parent id");
    const parent = parentId === -1 ? null : parentId;
    if (parent !== null && !ids.has(parent)) r.fail(`context ${id}'s parent ${parent} is not an earlier context`, at);
    const limits = { maxHeapBytes: limit(r, "maxHeapBytes"), maxTasks: limit(r, "maxTasks"), maxStepBudget: limit(r, "maxStepBudget"), weight: limit(r, "weight") };
    const descendantSteps = r.f64("descendant steps");
    if (!(descendantSteps >= 0)) r.fail(`descendant steps ${descendantSteps} is not a count`);
    records.push({ id, name, parent, limits, descendantSteps, fate: readFate(r) });
  }
  if (r.remaining() !== 0) r.fail(`${r.remaining()} bytes left over after the last context`);
  return records;
}

function limit(r: ByteReader, what: string): number {
  const value = r.f64(what);
  if (!(value > 0)) r.fail(`${what} ${value} is not a positive number`);
  return value;
}

function readFate(r: ByteReader): ContextRecord["fate"] {
  const at = r.pos;
  const fate = r.u8("context fate");
  if (fate === Fate.Empty) return { kind: "empty" };
  if (fate === Fate.Exited) {
    const reason = r.string("exit kind");
    if (!(CONTEXT_ERROR_KINDS as readonly string[]).includes(reason)) r.fail(`unknown exit kind '${reason}'`, at);
    return { kind: "exited", reason: reason as ContextErrorKind, message: r.string("exit message") };
  }
  if (fate === Fate.Loaded) {
    const length = r.count(1, "context snapshot length");
    const start = r.pos;
    r.pos += length;
    return { kind: "loaded", bytes: r.bytes.slice(start, start + length) };
  }
  return r.fail(`unknown context fate ${fate}`, at);
}

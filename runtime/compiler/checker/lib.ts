// The built-in library as the checker sees it, written as Raya `declare` source and parsed by
// the real parser. It declares exactly the surface listed in docs/architecture.md ("The built-in
// library") plus the concurrency primitives; the VM implements the same list.
//
// Conventions the checker relies on:
// - `interface Array<T>`, `interface String` and `interface Number` hold the members of arrays,
//   strings and numbers (int and number share `Number`).
// - A `declare function X` and a `declare const X: {...}` with the same name merge into one
//   callable object (`Number(x)` and `Number.isInteger(x)`).
// - `Promise` is not declared: the checker resolves it to `Task`.
// Index-like parameters are `number` (an `int` widens to it); results that are always
// integral and never NaN are `int`.
export const LIB_SOURCE = `
interface Array<T> {
  readonly length: int;
  push(...items: T[]): int;
  pop(): T | null;
  shift(): T | null;
  unshift(...items: T[]): int;
  slice(start?: number, end?: number): T[];
  splice(start: number, deleteCount?: number, ...items: T[]): T[];
  concat(...arrays: T[][]): T[];
  indexOf(item: T, fromIndex?: number): int;
  lastIndexOf(item: T, fromIndex?: number): int;
  includes(item: T): boolean;
  join(separator?: string): string;
  reverse(): T[];
  sort(compare?: (a: T, b: T) => number): T[];
  fill(value: T, start?: number, end?: number): T[];
  at(index: number): T | null;
  map<U>(f: (value: T, index: int, array: T[]) => U): U[];
  filter(f: (value: T, index: int, array: T[]) => boolean): T[];
  reduce(f: (acc: T, value: T, index: int, array: T[]) => T): T;
  reduce<U>(f: (acc: U, value: T, index: int, array: T[]) => U, initial: U): U;
  forEach(f: (value: T, index: int, array: T[]) => void): void;
  find(f: (value: T, index: int, array: T[]) => boolean): T | null;
  findIndex(f: (value: T, index: int, array: T[]) => boolean): int;
  some(f: (value: T, index: int, array: T[]) => boolean): boolean;
  every(f: (value: T, index: int, array: T[]) => boolean): boolean;
  flatMap<U>(f: (value: T, index: int, array: T[]) => U[]): U[];
  toString(): string;
}

interface String {
  readonly length: int;
  charAt(index: number): string;
  charCodeAt(index: number): number;
  codePointAt(index: number): number;
  indexOf(search: string, fromIndex?: number): int;
  lastIndexOf(search: string, fromIndex?: number): int;
  slice(start?: number, end?: number): string;
  substring(start: number, end?: number): string;
  split(separator: string, limit?: number): string[];
  trim(): string;
  trimStart(): string;
  trimEnd(): string;
  toUpperCase(): string;
  toLowerCase(): string;
  replace(search: string, replacement: string): string;
  replaceAll(search: string, replacement: string): string;
  startsWith(search: string, position?: number): boolean;
  endsWith(search: string, endPosition?: number): boolean;
  includes(search: string, position?: number): boolean;
  padStart(length: number, fill?: string): string;
  padEnd(length: number, fill?: string): string;
  repeat(count: number): string;
  concat(...parts: string[]): string;
  at(index: number): string | null;
}

interface Number {
  toString(radix?: int): string;
  toFixed(digits: int): string;
}

declare class Map<K, V> {
  constructor(entries?: [K, V][]);
  readonly size: int;
  get(key: K): V | null;
  set(key: K, value: V): Map<K, V>;
  has(key: K): boolean;
  delete(key: K): boolean;
  clear(): void;
  keys(): K[];
  values(): V[];
  entries(): [K, V][];
  forEach(f: (value: V, key: K) => void): void;
}

declare class Set<T> {
  constructor(items?: T[]);
  readonly size: int;
  add(value: T): Set<T>;
  has(value: T): boolean;
  delete(value: T): boolean;
  clear(): void;
  values(): T[];
  forEach(f: (value: T) => void): void;
}

declare class Task<T> {
  private constructor();
  cancel(): void;
}

declare class Mutex {
  constructor();
  lock(): void;
  unlock(): void;
  tryLock(): boolean;
  isLocked(): boolean;
}

declare class Channel<T> {
  constructor(capacity?: int);
  readonly length: int;
  readonly capacity: int;
  send(value: T): void;
  receive(): T;
  trySend(value: T): boolean;
  tryReceive(): T | null;
  close(): void;
  isClosed(): boolean;
}

declare function sleep(ms: number): void;

type JsonValue = null | boolean | number | string | JsonValue[] | Map<string, JsonValue>;

declare const console: {
  log(...values: unknown[]): void;
};

declare function parseInt(text: string, radix?: int): number;
declare function parseFloat(text: string): number;
declare function isNaN(value: number): boolean;
declare function isFinite(value: number): boolean;
declare const NaN: number;
declare const Infinity: number;

declare function Number(value: unknown): number;
declare const Number: {
  isInteger(value: number): boolean;
  readonly MAX_SAFE_INTEGER: number;
  readonly MIN_SAFE_INTEGER: number;
  readonly EPSILON: number;
  readonly POSITIVE_INFINITY: number;
  readonly NEGATIVE_INFINITY: number;
};

declare function String(value: unknown): string;
declare const String: {
  fromCharCode(...codes: number[]): string;
};

declare function Boolean(value: unknown): boolean;

declare const Array: {
  isArray(value: unknown): boolean;
  from(text: string): string[];
  from<T>(items: T[]): T[];
  from<T>(items: Set<T>): T[];
  from<K, V>(entries: Map<K, V>): [K, V][];
};

declare const Date: {
  now(): number;
};

declare const JSON: {
  stringify(value: unknown, replacer?: null, indent?: number | string): string;
  parse(text: string): JsonValue;
};

declare const Math: {
  floor(x: number): int;
  ceil(x: number): int;
  round(x: number): int;
  trunc(x: number): int;
  abs(x: number): number;
  min(first: int, ...rest: int[]): int;
  min(...values: number[]): number;
  max(first: int, ...rest: int[]): int;
  max(...values: number[]): number;
  pow(x: number, y: number): number;
  sqrt(x: number): number;
  cbrt(x: number): number;
  sin(x: number): number;
  cos(x: number): number;
  tan(x: number): number;
  atan(x: number): number;
  atan2(y: number, x: number): number;
  exp(x: number): number;
  log(x: number): number;
  log2(x: number): number;
  log10(x: number): number;
  sign(x: number): number;
  hypot(...values: number[]): number;
  random(): number;
  readonly PI: number;
  readonly E: number;
};
`;

export const LIB_FILENAME = "<lib>";

// The prelude: Raya source compiled with every program (as file "<prelude>"). It defines the
// error classes and the builtins that call back into Raya code, so a callback can suspend
// its Task like any other code. Intrinsic functions are named `Type$method`; the VM calls
// them (through program.intrinsics, "Array.map" etc.) with the receiver as first argument.
// Callbacks are always passed (value, index, array): extra arguments are dropped by the VM
// when the callback declares fewer parameters.

export const PRELUDE_SOURCE = `
export class Error {
  message: string;
  name: string;
  stack: string;
  constructor(message: string = "") {
    this.message = message;
    this.name = "Error";
    this.stack = "";
  }
}

export class TypeError extends Error {
  constructor(message: string = "") {
    super(message);
    this.name = "TypeError";
  }
}

export class RangeError extends Error {
  constructor(message: string = "") {
    super(message);
    this.name = "RangeError";
  }
}

export class SyntaxError extends Error {
  constructor(message: string = "") {
    super(message);
    this.name = "SyntaxError";
  }
}

// raya:vm's VmError (not exported: programs import it from "raya:vm"). The VM creates its
// instances (VmContext.makeVmError); kind and contextId say which context failed and how.
class VmError extends Error {
  kind: string;
  contextId: int;
  constructor(message: string = "") {
    super(message);
    this.name = "VmError";
    this.kind = "RuntimeError";
    this.contextId = 0;
  }
}

function Array$map<T, U>(self: T[], f: (value: T, index: int, array: T[]) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < self.length; i++) {
    out.push(f(self[i], i, self));
  }
  return out;
}

function Array$filter<T>(self: T[], f: (value: T, index: int, array: T[]) => boolean): T[] {
  const out: T[] = [];
  for (let i = 0; i < self.length; i++) {
    const value = self[i];
    if (f(value, i, self)) {
      out.push(value);
    }
  }
  return out;
}

function Array$reduce<T>(self: T[], f: (acc: T, value: T, index: int, array: T[]) => T, ...initial: T[]): T {
  const hasInitial = initial.length > 0;
  if (!hasInitial && self.length === 0) {
    throw new TypeError("Reduce of empty array with no initial value");
  }
  let acc = hasInitial ? initial[0] : self[0];
  for (let i = hasInitial ? 0 : 1; i < self.length; i++) {
    acc = f(acc, self[i], i, self);
  }
  return acc;
}

function Array$forEach<T>(self: T[], f: (value: T, index: int, array: T[]) => void): void {
  for (let i = 0; i < self.length; i++) {
    f(self[i], i, self);
  }
}

function Array$find<T>(self: T[], f: (value: T, index: int, array: T[]) => boolean): T | null {
  for (let i = 0; i < self.length; i++) {
    const value = self[i];
    if (f(value, i, self)) {
      return value;
    }
  }
  return null;
}

function Array$findIndex<T>(self: T[], f: (value: T, index: int, array: T[]) => boolean): int {
  for (let i = 0; i < self.length; i++) {
    if (f(self[i], i, self)) {
      return i;
    }
  }
  return -1;
}

function Array$some<T>(self: T[], f: (value: T, index: int, array: T[]) => boolean): boolean {
  for (let i = 0; i < self.length; i++) {
    if (f(self[i], i, self)) {
      return true;
    }
  }
  return false;
}

function Array$every<T>(self: T[], f: (value: T, index: int, array: T[]) => boolean): boolean {
  for (let i = 0; i < self.length; i++) {
    if (!f(self[i], i, self)) {
      return false;
    }
  }
  return true;
}

function Array$flatMap<T, U>(self: T[], f: (value: T, index: int, array: T[]) => U[]): U[] {
  const out: U[] = [];
  for (let i = 0; i < self.length; i++) {
    const part = f(self[i], i, self);
    for (let j = 0; j < part.length; j++) {
      out.push(part[j]);
    }
  }
  return out;
}

function Array$sort<T>(self: T[], compare: ((a: T, b: T) => number) | null = null): T[] {
  const n = self.length;
  if (n < 2) {
    return self;
  }
  let from: T[] = self.slice();
  let to: T[] = self.slice();
  for (let width = 1; width < n; width = width * 2) {
    for (let left = 0; left < n; left = left + 2 * width) {
      const middle = left + width < n ? left + width : n;
      const right = left + 2 * width < n ? left + 2 * width : n;
      let i = left;
      let j = middle;
      let k = left;
      while (i < middle && j < right) {
        if (sortOrder(compare, from[j], from[i]) < 0) {
          to[k] = from[j];
          j++;
        } else {
          to[k] = from[i];
          i++;
        }
        k++;
      }
      while (i < middle) {
        to[k] = from[i];
        i++;
        k++;
      }
      while (j < right) {
        to[k] = from[j];
        j++;
        k++;
      }
    }
    const swap = from;
    from = to;
    to = swap;
  }
  for (let m = 0; m < n; m++) {
    self[m] = from[m];
  }
  return self;
}

function sortOrder<T>(compare: ((a: T, b: T) => number) | null, a: T, b: T): number {
  if (compare != null) {
    return compare(a, b);
  }
  const x = String(a);
  const y = String(b);
  if (x < y) {
    return -1;
  }
  if (x > y) {
    return 1;
  }
  return 0;
}

function Map$forEach<K, V>(self: Map<K, V>, f: (value: V, key: K, map: Map<K, V>) => void): void {
  for (const [key, value] of self) {
    f(value, key, self);
  }
}

function Set$forEach<T>(self: Set<T>, f: (value: T, value2: T, set: Set<T>) => void): void {
  for (const value of self) {
    f(value, value, self);
  }
}
`;

// The engine workloads of `npm run bench`: each written once in Raya and once in plain
// JavaScript for the peers (QuickJS and node:vm), computing the same result.

export interface Workload {
  name: string;
  raya: string;
  js: string;
}

export const ENGINE_WORKLOADS: Workload[] = [
  {
    name: "fib(25) recursive",
    raya: `function fib(n: int): int { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
return fib(25);`,
    js: `function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
fib(25);`,
  },
  {
    name: "arithmetic loop 3M",
    // number, not int: i * i passes 2^31, and int arithmetic would wrap where JavaScript's does not.
    raya: `let s: number = 0;
for (let i: number = 0; i < 3000000; i++) { s = (s + i * i) % 1000003; }
return s;`,
    js: `let s = 0;
for (let i = 0; i < 3000000; i++) { s = (s + i * i) % 1000003; }
s;`,
  },
  {
    name: "200k object allocations",
    raya: `class Point { constructor(public x: int, public y: int) {} }
let sum = 0;
for (let i = 0; i < 200000; i++) { const p = new Point(i, i + 1); sum = (sum + p.x + p.y) % 1000003; }
return sum;`,
    js: `class Point { constructor(x, y) { this.x = x; this.y = y; } }
let sum = 0;
for (let i = 0; i < 200000; i++) { const p = new Point(i, i + 1); sum = (sum + p.x + p.y) % 1000003; }
sum;`,
  },
  {
    name: "20k string appends",
    raya: `let s = "";
for (let i = 0; i < 20000; i++) { s = s + "x" + i; }
return s.length;`,
    js: `let s = "";
for (let i = 0; i < 20000; i++) { s = s + "x" + i; }
s.length;`,
  },
  {
    name: "200k array pushes + sum",
    raya: `const xs: int[] = [];
for (let i = 0; i < 200000; i++) { xs.push(i); }
let total = 0;
for (let i = 0; i < xs.length; i++) { total = (total + xs[i]) % 1000003; }
return total;`,
    js: `const xs = [];
for (let i = 0; i < 200000; i++) { xs.push(i); }
let total = 0;
for (let i = 0; i < xs.length; i++) { total = (total + xs[i]) % 1000003; }
total;`,
  },
];

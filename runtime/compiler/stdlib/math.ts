// `std:math`: the Math functions and constants as named exports, plus `clamp`. Written in Raya
// and compiled like a user module named "std:math"; the functions are the built-in Math
// methods themselves (bound as values), so they keep their exact types, overloads included
// (`floor` returns int, `min`/`max` of ints are int).
export const MATH_MODULE_SOURCE = `
export const floor = Math.floor;
export const ceil = Math.ceil;
export const round = Math.round;
export const trunc = Math.trunc;
export const abs = Math.abs;
export const min = Math.min;
export const max = Math.max;
export const pow = Math.pow;
export const sqrt = Math.sqrt;
export const cbrt = Math.cbrt;
export const sin = Math.sin;
export const cos = Math.cos;
export const tan = Math.tan;
export const atan = Math.atan;
export const atan2 = Math.atan2;
export const exp = Math.exp;
export const log = Math.log;
export const log2 = Math.log2;
export const log10 = Math.log10;
export const sign = Math.sign;
export const hypot = Math.hypot;
export const random = Math.random;
export const PI: number = Math.PI;
export const E: number = Math.E;

/** x limited to the range [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}
`;

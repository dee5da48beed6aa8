// Little-endian byte reading and writing shared by the two binary formats, bytecode (.rbc)
// and snapshots (.rayasnap): range-checked integers, WTF-8 strings (so lone surrogates
// round-trip), counts checked against the bytes left before anything is allocated, and the
// CRC-32 that ends both files. Each format subclasses the reader and writer to throw its
// own error type.

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum that ends every file.

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of bytes[start, end). crc32(ascii "123456789") === 0xCBF43926. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// // Strings are WTF-8: UTF-8, except that an unpaired UTF-16 surrogate (which a Raya string may
// hold, e.g. "\uD800") is written as its own 3-byte sequence so every string round-trips.

/** Appends the WTF-8 bytes of `s` to `out` starting at `pos`; returns the new position.
 *  `out` must have room for 3 bytes per UTF-16 unit. */
function writeWtf8(s: string, out: Uint8Array, pos: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const low = s.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          i++;
          out[pos++] = 0xf0 | (c >> 18);
          out[pos++] = 0x80 | ((c >> 12) & 0x3f);
          out[pos++] = 0x80 | ((c >> 6) & 0x3f);
          out[pos++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

/** A growable little-endian byte buffer. Every integer writer checks its range, so a program
 *  holding a value the format cannot represent fails loudly instead of being silently wrapped. */
export class ByteWriter {
  buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  protected reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }

  /** A value the format cannot represent; each format throws its own error type. */
  fail(field: string, value: unknown, range: string): never {
    throw new RangeError(`${field} = ${String(value)} is not ${range}`);
  }

  u8(value: number, field = "u8"): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) this.fail(field, value, "a byte");
    this.reserve(1);
    this.buf[this.length++] = value;
  }

  bool(value: boolean, field = "bool"): void {
    if (typeof value !== "boolean") this.fail(field, value, "a boolean");
    this.u8(value ? 1 : 0, field);
  }

  u16(value: number, field = "u16"): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) this.fail(field, value, "a 16-bit unsigned integer");
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }

  u32(value: number, field = "u32"): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) this.fail(field, value, "a 32-bit unsigned integer");
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  i32(value: number, field = "i32"): void {
    if ((value | 0) !== value) this.fail(field, value, "a 32-bit signed integer");
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  f64(value: number, field = "f64"): void {
    if (typeof value !== "number") this.fail(field, value, "a number");
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** u32 byte length, then the WTF-8 bytes. */
  string(value: string, field = "string"): void {
    if (typeof value !== "string") this.fail(field, value, "a string");
    this.reserve(4 + value.length * 3);
    const start = this.length + 4;
    const end = writeWtf8(value, this.buf, start);
    this.view.setUint32(this.length, end - start, true);
    this.length = end;
  }

  int32Words(code: Int32Array, field: string): void {
    if (!(code instanceof Int32Array)) this.fail(field, code, "an Int32Array");
    this.u32(code.length, `${field} length`);
    this.reserve(code.length * 4);
    for (let i = 0; i < code.length; i++) this.view.setInt32(this.length + i * 4, code[i], true);
    this.length += code.length * 4;
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Overwrites the u32 at `at` (a length or count written as a placeholder). */
  patchU32(at: number, value: number): void {
    this.view.setUint32(at, value >>> 0, true);
  }

  /** Writes a big-endian u32 (magic numbers, so files begin with readable bytes). */
  u32BigEndian(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value >>> 0, false);
    this.length += 4;
  }

  /** Appends the CRC-32 of everything written so far and returns the finished bytes. */
  finish(): Uint8Array {
    const checksum = crc32(this.buf, 0, this.length);
    this.reserve(4);
    this.view.setUint32(this.length, checksum, true);
    this.length += 4;
    return this.buf.slice(0, this.length);
  }

}

export class ByteReader {
  private readonly view: DataView;
  pos: number;
  end: number;
  private units = new Uint16Array(0);

  constructor(readonly bytes: Uint8Array, start: number, end: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** Malformed input; each format throws its own error type naming the problem and offset. */
  fail(problem: string, at = this.pos): never {
    throw new RangeError(`${problem} (at byte ${at})`);
  }

  remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      this.fail(`unexpected end of data reading ${what}: need ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  bool(what: string): boolean {
    const at = this.pos;
    const b = this.u8(what);
    if (b > 1) this.fail(`${what} must be 0 or 1, found ${b}`, at);
    return b === 1;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A u32 count of records that each take at least `minSize` bytes, checked to fit. */
  count(minSize: number, what: string): number {
    const at = this.pos;
    const n = this.u32(what);
    if (n * minSize > this.remaining()) {
      this.fail(`${what} ${n} cannot fit in the ${this.remaining()} bytes left`, at);
    }
    return n;
  }

  string(what: string): string {
    const at = this.pos;
    const length = this.u32(`${what} length`);
    if (length > this.remaining()) {
      this.fail(`${what} length ${length} exceeds the ${this.remaining()} bytes left`, at);
    }
    const start = this.pos;
    this.pos += length;
    return this.decodeWtf8(start, start + length, what);
  }

  int32Words(what: string): Int32Array {
    const at = this.pos;
    const n = this.u32(`${what} length`);
    if (n * 4 > this.remaining()) this.fail(`${what} length ${n} words exceeds the ${this.remaining()} bytes left`, at);
    const words = new Int32Array(n);
    for (let i = 0; i < n; i++) words[i] = this.view.getInt32(this.pos + i * 4, true);
    this.pos += n * 4;
    return words;
  }

  /**
   * Decodes WTF-8 (see encode.ts): rejects stray continuation bytes, truncated and overlong
   * sequences, code points above U+10FFFF, and a surrogate pair spelt as two 3-byte sequences
   * (the encoder always writes a pair as one 4-byte sequence, so there is one spelling).
   */
  private decodeWtf8(start: number, end: number, what: string): string {
    if (this.units.length < end - start) this.units = new Uint16Array(Math.max(end - start, 256));
    const units = this.units;
    const b = this.bytes;
    let n = 0;
    let i = start;
    let previousWasHighSurrogate = false;
    while (i < end) {
      const lead = b[i];
      if (lead < 0x80) {
        units[n++] = lead;
        i++;
        previousWasHighSurrogate = false;
        continue;
      }
      let size: number;
      let cp: number;
      let min: number;
      if (lead >= 0xc2 && lead <= 0xdf) { size = 2; cp = lead & 0x1f; min = 0x80; }
      else if (lead >= 0xe0 && lead <= 0xef) { size = 3; cp = lead & 0x0f; min = 0x800; }
      else if (lead >= 0xf0 && lead <= 0xf4) { size = 4; cp = lead & 0x07; min = 0x10000; }
      else this.fail(`${what} has an invalid UTF-8 lead byte 0x${lead.toString(16)}`, i);
      if (i + size > end) this.fail(`${what} ends inside a UTF-8 sequence`, i);
      for (let k = 1; k < size; k++) {
        const cont = b[i + k];
        if ((cont & 0xc0) !== 0x80) this.fail(`${what} has an invalid UTF-8 continuation byte`, i + k);
        cp = (cp << 6) | (cont & 0x3f);
      }
      if (cp < min || cp > 0x10ffff) this.fail(`${what} has an overlong or out-of-range UTF-8 sequence`, i);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        units[n++] = 0xd800 + (cp >> 10);
        units[n++] = 0xdc00 + (cp & 0x3ff);
        previousWasHighSurrogate = false;
      } else {
        if (previousWasHighSurrogate && cp >= 0xdc00 && cp <= 0xdfff) {
          this.fail(`${what} spells a surrogate pair as two 3-byte sequences`, i);
        }
        units[n++] = cp;
        previousWasHighSurrogate = cp >= 0xd800 && cp <= 0xdbff;
      }
      i += size;
    }
    return unitsToString(units, n);
  }
}

function unitsToString(units: Uint16Array, n: number): string {
  const CHUNK = 8192;
  if (n <= CHUNK) return String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]);
  const parts: string[] = [];
  for (let i = 0; i < n; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, units.subarray(i, Math.min(n, i + CHUNK)) as unknown as number[]));
  }
  return parts.join("");
}

// The byte reader and writer both binary formats (.rbc and .rayasnap) share.
import * as assert from "node:assert/strict";
import { ByteReader, ByteWriter, crc32 } from "../../runtime/bytecode/bytes";

function written(write: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  write(w);
  return w.buf.slice(0, w.length);
}

describe("shared byte reader and writer", () => {
  it("round-trips integers, floats and strings, lone surrogates included (WTF-8)", () => {
    const texts = ["", "plain", "é€😀", "\ud83d", "a\ude00b", "\ud83d\ud83d"];
    const bytes = written((w) => {
      w.u8(255);
      w.u16(65535);
      w.u32(0xffffffff);
      w.i32(-5);
      w.f64(-0);
      for (const t of texts) w.string(t);
    });
    const r = new ByteReader(bytes, 0, bytes.length);
    assert.equal(r.u8("a"), 255);
    assert.equal(r.u16("b"), 65535);
    assert.equal(r.u32("c"), 0xffffffff);
    assert.equal(r.i32("d"), -5);
    assert.ok(Object.is(r.f64("e"), -0));
    for (const t of texts) assert.equal(r.string("text"), t);
    assert.equal(r.remaining(), 0);
  });

  it("refuses values the format cannot hold instead of wrapping them", () => {
    assert.throws(() => written((w) => w.u32(-1, "count")), /count = -1 is not a 32-bit unsigned integer/);
    assert.throws(() => written((w) => w.u8(256, "tag")), /tag = 256 is not a byte/);
  });

  it("rejects a count that cannot fit in the bytes left, before allocating", () => {
    const bytes = written((w) => w.u32(1_000_000_000));
    const r = new ByteReader(bytes, 0, bytes.length);
    assert.throws(() => r.count(8, "item count"), /item count 1000000000 cannot fit/);
  });

  it("reports truncation through the format's own fail()", () => {
    class Strict extends ByteReader {
      override fail(problem: string, at = this.pos): never {
        throw new SyntaxError(`strict: ${problem} @${at}`);
      }
    }
    const r = new Strict(new Uint8Array([1, 2]), 0, 2);
    assert.throws(() => r.u32("word"), (e: unknown) => e instanceof SyntaxError && /unexpected end of data reading word/.test(e.message));
  });

  it("computes the standard CRC-32", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  });
});

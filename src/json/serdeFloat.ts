/**
 * serde_json 1.0.87's float assembly without the `float_roundtrip` feature
 * (`Deserializer::f64_from_parts` in `src/de.rs`), which the reference uses.
 *
 * It is not correctly rounded: the significand (at most 20 digits, later
 * digits are dropped) is rounded to f64, then multiplied or divided by one
 * power of ten, so long or extreme literals can land one ulp away from what
 * `JSON.parse` returns. JavaScript doubles round each operation exactly like
 * Rust's, so repeating the same steps reproduces serde's value bit for bit.
 */

/** `POW10` in serde's `src/de.rs`: 1e0 ..= 1e308, each correctly rounded. */
const POW10: readonly number[] = Array.from({ length: 309 }, (_, i) => Number(`1e${i}`));

/**
 * `significand × 10^exponent` the way serde computes it, or `undefined` for
 * serde's `NumberOutOfRange` (a non-zero value that overflows).
 *
 * `significand` must already be the u64 significand rounded to f64
 * (`significand as f64`).
 */
export function serdeF64FromParts(significand: number, exponent: number): number | undefined {
  let f = significand;
  for (;;) {
    const magnitude = Math.abs(exponent);
    if (magnitude < POW10.length) {
      if (exponent >= 0) {
        f *= POW10[magnitude];
        if (!Number.isFinite(f)) return undefined;
      } else {
        f /= POW10[magnitude];
      }
      return f;
    }
    if (f === 0) return f;
    if (exponent >= 0) return undefined;
    f /= 1e308;
    exponent += 308;
  }
}

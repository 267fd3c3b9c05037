/**
 * `ryu::Buffer::format_finite` for f64 (ryu 1.0, `src/pretty/mod.rs`), the
 * float format of `serde_json::to_string` and of `Number`'s `Display`.
 *
 * ryu prints the shortest digits that round-trip, choosing the closest
 * candidate when several are equally short. ECMAScript's Number-to-string
 * conversion makes the same choice, so the digits come from
 * `toExponential()` and only the layout below is ryu's. With `digits` of
 * length `len` and the value equal to `0.digits × 10^kk`:
 *
 * | condition                  | layout             | example        |
 * | -------------------------- | ------------------ | -------------- |
 * | `len <= kk <= 16`          | digits, zeros, `.0` | `100000.0`     |
 * | `0 < kk < len`, `kk <= 16` | `int.frac`         | `123456789.125` |
 * | `-5 < kk <= 0`             | `0.`, zeros, digits | `0.00001`      |
 * | otherwise, one digit       | `DeE`              | `1e21`, `1e-7` |
 * | otherwise                  | `D.DDDeE`          | `1.5e300`      |
 *
 * The exponent `E = kk - 1` has no `+` and no leading zeros; zero is `0.0`
 * or `-0.0`.
 */
export function formatF64(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const exponential = Math.abs(value).toExponential();
  const ePos = exponential.indexOf('e');
  const digits =
    ePos === 1 ? exponential.slice(0, 1) : exponential.slice(0, 1) + exponential.slice(2, ePos);
  const kk = Number(exponential.slice(ePos + 1)) + 1;
  const len = digits.length;
  if (len <= kk && kk <= 16) return `${sign}${digits}${'0'.repeat(kk - len)}.0`;
  if (0 < kk && kk <= 16) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (-5 < kk && kk <= 0) return `${sign}0.${'0'.repeat(-kk)}${digits}`;
  if (len === 1) return `${sign}${digits}e${kk - 1}`;
  return `${sign}${digits[0]}.${digits.slice(1)}e${kk - 1}`;
}

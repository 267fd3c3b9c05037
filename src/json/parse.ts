/**
 * `serde_json::from_str::<Value>` (serde_json 1.0.87, `preserve_order`, no
 * `float_roundtrip`, no `arbitrary_precision`): accepts and rejects the same
 * texts, builds the same values and reports the same errors.
 *
 * The structure follows `Deserializer` in serde_json's `src/de.rs` and
 * `SliceRead` in `src/read.rs` closely, so each branch can be checked
 * against the original. Where serde_json has quirks they are kept, e.g.
 * `-0` is the float `-0.0`, nesting 128 containers deep fails, and a
 * fraction with no digits is accepted after an integer part too long for a
 * u64 (`18446744073709551616.`).
 */
import { Either, left, right } from 'fp-ts/Either';
import { SerdeErrorCode, SerdeJsonError, serdeErrorAt } from './error';
import { serdeF64FromParts } from './serdeFloat';
import { MAX_SCANNED_KEYS, SerdeNumber, SerdeObject, SerdeValue, serdeFloat } from './value';

/** Parses `text` exactly as `serde_json::from_str::<serde_json::Value>` would. */
export function parseSerdeJson(text: string): Either<SerdeJsonError, SerdeValue> {
  const parser = new Parser(text);
  try {
    const value = parser.parseValue();
    // `Deserializer::end`: only whitespace may follow.
    if (parser.skipWhitespace() !== EOF) parser.fail('TrailingCharacters', parser.pos, true);
    return right(value);
  } catch (e) {
    if (e instanceof ParseFailure) return left(e.error);
    throw e;
  }
}

const EOF = -1;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** serde's `Deserializer::new` sets `remaining_depth: 128`; reaching 0 fails. */
const RECURSION_LIMIT = 128;
/** Slots of the recent-keys cache (a power of two). */
const KEY_CACHE_SIZE = 256;
/** Below this a significand times 10 plus a digit stays below 2^53, so exact. */
const EXACT_SIGNIFICAND_LIMIT = 9e14;
const U64_MAX_DIV_10 = 1844674407370955161n;
const I64_MIN_MAGNITUDE = 9223372036854775808n;

/** Carries a {@link SerdeJsonError} out of the recursive descent. */
class ParseFailure {
  constructor(readonly error: SerdeJsonError) {}
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function saturateI32(n: number): number {
  return n > 2147483647 ? 2147483647 : n < -2147483648 ? -2147483648 : n;
}

class Parser {
  pos = 0;
  private readonly len: number;
  private remainingDepth = RECURSION_LIMIT;
  /**
   * The u64 significand of the number being parsed: a plain number while it
   * is below {@link EXACT_SIGNIFICAND_LIMIT}, a bigint after that.
   */
  private significand = 0;
  private bigSignificand: bigint | undefined;
  /**
   * Elements and `key, value` pairs of the open containers, innermost last.
   * A finished container copies its run into an exact-size array, which
   * allocates far less than growing one array per container.
   */
  private readonly stack: SerdeValue[] = [];
  private stackTop = 0;
  private readonly keyCache: (string | undefined)[] = new Array<string | undefined>(KEY_CACHE_SIZE);

  constructor(private readonly text: string) {
    this.len = text.length;
  }

  /** See {@link serdeErrorAt} for the meaning of `withCharAt`. */
  fail(code: SerdeErrorCode, index: number, withCharAt: boolean): never {
    throw new ParseFailure(serdeErrorAt(this.text, code, index, withCharAt));
  }

  /** `parse_whitespace`: skips space, tab, LF and CR; returns the next code unit or {@link EOF}. */
  skipWhitespace(): number {
    const text = this.text;
    let p = this.pos;
    while (p < this.len) {
      const c = text.charCodeAt(p);
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) {
        this.pos = p;
        return c;
      }
      p++;
    }
    this.pos = p;
    return EOF;
  }

  /** `deserialize_any` with serde_json's `Value` visitor. */
  parseValue(): SerdeValue {
    const c = this.skipWhitespace();
    switch (c) {
      case EOF:
        return this.fail('EofWhileParsingValue', this.len, false);
      case 0x6e: // n
        this.pos++;
        this.parseIdent('ull');
        return null;
      case 0x74: // t
        this.pos++;
        this.parseIdent('rue');
        return true;
      case 0x66: // f
        this.pos++;
        this.parseIdent('alse');
        return false;
      case MINUS:
        this.pos++;
        return this.parseNumber(false);
      case QUOTE:
        this.pos++;
        return this.parseString();
      case OPEN_BRACKET:
        return this.parseArray();
      case OPEN_BRACE:
        return this.parseObject();
      default:
        if (isDigit(c)) return this.parseNumber(true);
        return this.fail('ExpectedSomeValue', this.pos, true);
    }
  }

  private parseIdent(rest: string): void {
    for (let i = 0; i < rest.length; i++) {
      if (this.pos >= this.len) this.fail('EofWhileParsingValue', this.len, false);
      if (this.text.charCodeAt(this.pos) !== rest.charCodeAt(i)) this.fail('ExpectedSomeIdent', this.pos, true);
      this.pos++;
    }
  }

  /** `check_recursion!`, raised at the opening bracket before it is consumed. */
  private enterContainer(): void {
    if (--this.remainingDepth === 0) this.fail('RecursionLimitExceeded', this.pos, true);
    this.pos++;
  }

  /** `[` … `]` via `SeqAccess::next_element_seed`. */
  private parseArray(): SerdeValue[] {
    this.enterContainer();
    let c = this.skipWhitespace();
    if (c === CLOSE_BRACKET) {
      this.pos++;
      this.remainingDepth++;
      return [];
    }
    if (c === EOF) this.fail('EofWhileParsingList', this.len, false);
    const base = this.stackTop;
    for (;;) {
      const item = this.parseValue();
      this.stack[this.stackTop++] = item;
      c = this.skipWhitespace();
      if (c === CLOSE_BRACKET) break;
      if (c === COMMA) {
        this.pos++;
        c = this.skipWhitespace();
        if (c === CLOSE_BRACKET) this.fail('TrailingComma', this.pos, true);
        if (c === EOF) this.fail('EofWhileParsingValue', this.len, false);
      } else if (c === EOF) this.fail('EofWhileParsingList', this.len, false);
      else this.fail('ExpectedListCommaOrEnd', this.pos, true);
    }
    this.pos++;
    this.remainingDepth++;
    return this.popRun(base);
  }

  /** Moves `stack[base..stackTop]` into a new array. */
  private popRun(base: number): SerdeValue[] {
    const run = this.stack.slice(base, this.stackTop);
    this.stackTop = base;
    return run;
  }

  /** `{` … `}` via `MapAccess::next_key_seed` / `next_value_seed`. */
  private parseObject(): SerdeObject {
    this.enterContainer();
    let c = this.skipWhitespace();
    if (c === CLOSE_BRACE) {
      this.pos++;
      this.remainingDepth++;
      return new SerdeObject();
    }
    if (c === EOF) this.fail('EofWhileParsingObject', this.len, false);
    const base = this.stackTop;
    let positions: Map<string, number> | undefined;
    for (;;) {
      if (c !== QUOTE) this.fail('KeyMustBeAString', this.pos, true);
      this.pos++;
      const key = this.parseKey();
      c = this.skipWhitespace();
      if (c !== COLON) {
        if (c === EOF) this.fail('EofWhileParsingObject', this.len, false);
        this.fail('ExpectedColon', this.pos, true);
      }
      this.pos++;
      const value = this.parseValue();
      // `IndexMap::insert`: a repeated key keeps its first position and takes the new value.
      const stack = this.stack;
      const top = this.stackTop;
      let found = -1;
      if (positions !== undefined) found = positions.get(key) ?? -1;
      else {
        for (let i = base; i < top; i += 2) {
          if (stack[i] === key) {
            found = i;
            break;
          }
        }
        if (found < 0 && top - base >= MAX_SCANNED_KEYS * 2) {
          positions = new Map();
          for (let i = base; i < top; i += 2) positions.set(stack[i] as string, i);
        }
      }
      if (found >= 0) stack[found + 1] = value;
      else {
        positions?.set(key, top);
        stack[top] = key;
        stack[top + 1] = value;
        this.stackTop = top + 2;
      }
      c = this.skipWhitespace();
      if (c === CLOSE_BRACE) break;
      if (c === COMMA) {
        this.pos++;
        c = this.skipWhitespace();
        if (c === CLOSE_BRACE) this.fail('TrailingComma', this.pos, true);
        if (c === EOF) this.fail('EofWhileParsingValue', this.len, false);
      } else if (c === EOF) this.fail('EofWhileParsingObject', this.len, false);
      else this.fail('ExpectedObjectCommaOrEnd', this.pos, true);
    }
    this.pos++;
    this.remainingDepth++;
    return new SerdeObject(this.popRun(base));
  }

  /**
   * `SliceRead::parse_str_bytes` with validation; the opening quote is
   * consumed. Escapes are checked here with serde's rules and errors; a
   * string that had any is then decoded by the native `JSON.parse`, whose
   * escape set and decoding are identical once lone surrogates are excluded.
   */
  private parseString(): string {
    const text = this.text;
    const len = this.len;
    const start = this.pos;
    let p = start;
    let escaped = false;
    for (;;) {
      let c = 0;
      while (p < len) {
        c = text.charCodeAt(p);
        if (c === QUOTE || c === BACKSLASH || c < SPACE) break;
        p++;
      }
      if (p >= len) this.fail('EofWhileParsingString', len, false);
      if (c === QUOTE) break;
      if (c !== BACKSLASH) this.fail('ControlCharacterWhileParsingString', p, true);
      this.pos = p + 1;
      this.checkEscape();
      p = this.pos;
      escaped = true;
    }
    this.pos = p + 1;
    return escaped ? (JSON.parse(text.slice(start - 1, p + 1)) as string) : text.slice(start, p);
  }

  /** `parse_escape` without the decoding; the backslash is consumed. */
  private checkEscape(): void {
    if (this.pos >= this.len) this.fail('EofWhileParsingString', this.len, false);
    switch (this.text.charCodeAt(this.pos++)) {
      case QUOTE:
      case BACKSLASH:
      case SLASH:
      case 0x62: // b
      case 0x66: // f
      case 0x6e: // n
      case 0x72: // r
      case 0x74: // t
        return;
      case 0x75: // u
        return this.checkUnicodeEscape();
      default:
        this.fail('InvalidEscape', this.pos - 1, true);
    }
  }

  /** The `b'u'` arm of `parse_escape`: surrogates must come in valid pairs. */
  private checkUnicodeEscape(): void {
    const n = this.decodeHexEscape();
    if (n >= 0xdc00 && n <= 0xdfff) this.fail('LoneLeadingSurrogateInHexEscape', this.pos, false);
    if (n < 0xd800 || n > 0xdbff) return;
    if (this.pos >= this.len) this.fail('EofWhileParsingString', this.len, false);
    if (this.text.charCodeAt(this.pos) !== BACKSLASH) this.fail('UnexpectedEndOfHexEscape', this.pos, true);
    this.pos++;
    if (this.pos >= this.len) this.fail('EofWhileParsingString', this.len, false);
    if (this.text.charCodeAt(this.pos) !== 0x75) this.fail('UnexpectedEndOfHexEscape', this.pos, true);
    this.pos++;
    const n2 = this.decodeHexEscape();
    if (n2 < 0xdc00 || n2 > 0xdfff) this.fail('LoneLeadingSurrogateInHexEscape', this.pos, false);
  }

  /**
   * `parseString` for object keys, which repeat a lot: an unescaped key
   * equal to a recently seen one returns that string instead of a new
   * slice, like V8's own `JSON.parse` does with its key cache.
   */
  private parseKey(): string {
    const text = this.text;
    const start = this.pos;
    let hash = 0;
    let p = start;
    for (; p < this.len; p++) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < SPACE) return this.parseString();
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    if (p >= this.len) return this.parseString();
    const slot = hash & (KEY_CACHE_SIZE - 1);
    const cached = this.keyCache[slot];
    this.pos = p + 1;
    if (cached !== undefined && cached.length === p - start && text.startsWith(cached, start)) return cached;
    const key = text.slice(start, p);
    this.keyCache[slot] = key;
    return key;
  }

  /** `SliceRead::decode_hex_escape`: needs 4 more *bytes* before it looks at any. */
  private decodeHexEscape(): number {
    if (this.len - this.pos < 4 && this.remainingBytes() < 4) this.fail('EofWhileParsingString', this.len, false);
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const v = hexValue(this.text.charCodeAt(this.pos));
      if (v < 0) this.fail('InvalidEscape', this.pos, true);
      this.pos++;
      n = (n << 4) + v;
    }
    return n;
  }

  /** UTF-8 bytes left after `pos`, capped at 4 (only called within 4 units of the end). */
  private remainingBytes(): number {
    let bytes = 0;
    for (let p = this.pos; p < this.len && bytes < 4; p++) {
      const c = this.text.charCodeAt(p);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
    }
    return bytes;
  }

  /**
   * `parse_integer` then `parse_number`; `pos` is just after the optional
   * minus sign. Integers become `u64` / `i64` when they fit (`-0` does not:
   * serde makes it `-0.0`), anything else an `f64`.
   */
  private parseNumber(positive: boolean): number | SerdeNumber {
    const text = this.text;
    const start = positive ? this.pos : this.pos - 1;
    if (this.pos >= this.len) this.fail('EofWhileParsingValue', this.len, false);
    const first = text.charCodeAt(this.pos);
    this.significand = 0;
    this.bigSignificand = undefined;
    if (first === ZERO) {
      this.pos++;
      if (isDigit(text.charCodeAt(this.pos))) this.fail('InvalidNumber', this.pos, true);
    } else if (isDigit(first)) {
      // Short integers accumulate inline; pushDigit takes over near 2^53.
      let significand = first - ZERO;
      let p = this.pos + 1;
      let c = text.charCodeAt(p);
      while (isDigit(c) && significand < EXACT_SIGNIFICAND_LIMIT) {
        significand = significand * 10 + (c - ZERO);
        c = text.charCodeAt(++p);
      }
      this.significand = significand;
      this.pos = p;
      for (; isDigit(c); c = text.charCodeAt(this.pos)) {
        if (!this.pushDigit(c - ZERO)) return this.floatNumber(positive, this.parseLongInteger());
        this.pos++;
      }
    } else {
      this.fail('InvalidNumber', this.pos, true);
    }
    const c = text.charCodeAt(this.pos);
    if (c === DOT) return this.floatNumber(positive, this.parseDecimal(0));
    if (c === LOWER_E || c === UPPER_E) return this.floatNumber(positive, this.parseExponent(0));
    // A plain safe integer is an integer; a plain -0 is the float -0.0,
    // which is what serde makes of `-0` (`wrapping_neg` of 0 is not negative).
    const big = this.bigSignificand;
    if (big === undefined) return positive ? this.significand : -this.significand;
    const magnitude = Number(big);
    if (Number.isSafeInteger(magnitude)) return positive ? magnitude : -magnitude;
    if (positive) return new SerdeNumber('u64', magnitude, text.slice(start, this.pos));
    // `(significand as i64).wrapping_neg()` is negative exactly for 1 ..= 2^63.
    return big <= I64_MIN_MAGNITUDE
      ? new SerdeNumber('i64', -magnitude, text.slice(start, this.pos))
      : serdeFloat(-magnitude);
  }

  private floatNumber(positive: boolean, magnitude: number): number | SerdeNumber {
    return serdeFloat(positive ? magnitude : -magnitude);
  }

  /** `significand * 10 + digit` unless that overflows u64 (serde's `overflow!`). */
  private pushDigit(digit: number): boolean {
    let big = this.bigSignificand;
    if (big === undefined) {
      if (this.significand < EXACT_SIGNIFICAND_LIMIT) {
        this.significand = this.significand * 10 + digit;
        return true;
      }
      big = BigInt(this.significand);
    }
    if (big >= U64_MAX_DIV_10 && (big > U64_MAX_DIV_10 || digit > 5)) return false;
    this.bigSignificand = big * 10n + BigInt(digit);
    return true;
  }

  private significandIsZero(): boolean {
    return this.bigSignificand === undefined ? this.significand === 0 : this.bigSignificand === 0n;
  }

  /** `parse_long_integer`: digits past u64 only scale the exponent. Returns the magnitude. */
  private parseLongInteger(): number {
    let exponent = 0;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (isDigit(c)) {
        this.pos++;
        exponent++;
      } else if (c === DOT) return this.parseDecimal(exponent);
      else if (c === LOWER_E || c === UPPER_E) return this.parseExponent(exponent);
      else return this.fromParts(exponent);
    }
  }

  /**
   * `parse_decimal`; `pos` is at the dot. The "at least one digit" check
   * looks at the running exponent, as serde's does, so it passes whenever
   * the integer part overflowed u64.
   */
  private parseDecimal(exponent: number): number {
    const text = this.text;
    this.pos++;
    for (let c = text.charCodeAt(this.pos); isDigit(c); c = text.charCodeAt(this.pos)) {
      if (!this.pushDigit(c - ZERO)) return this.parseDecimalOverflow(exponent);
      this.pos++;
      exponent--;
    }
    if (exponent === 0) {
      if (this.pos < this.len) this.fail('InvalidNumber', this.pos, true);
      this.fail('EofWhileParsingValue', this.len, false);
    }
    const c = text.charCodeAt(this.pos);
    return c === LOWER_E || c === UPPER_E ? this.parseExponent(exponent) : this.fromParts(exponent);
  }

  /** `parse_decimal_overflow`: further fraction digits are ignored. */
  private parseDecimalOverflow(exponent: number): number {
    while (isDigit(this.text.charCodeAt(this.pos))) this.pos++;
    const c = this.text.charCodeAt(this.pos);
    return c === LOWER_E || c === UPPER_E ? this.parseExponent(exponent) : this.fromParts(exponent);
  }

  /** `parse_exponent`; `pos` is at the `e`/`E`. */
  private parseExponent(startingExponent: number): number {
    const text = this.text;
    this.pos++;
    let positiveExponent = true;
    const sign = text.charCodeAt(this.pos);
    if (sign === PLUS) this.pos++;
    else if (sign === MINUS) {
      this.pos++;
      positiveExponent = false;
    }
    if (this.pos >= this.len) this.fail('EofWhileParsingValue', this.len, false);
    const first = text.charCodeAt(this.pos);
    if (!isDigit(first)) this.fail('InvalidNumber', this.pos, true);
    this.pos++;
    let exponent = first - ZERO;
    for (let c = text.charCodeAt(this.pos); isDigit(c); c = text.charCodeAt(this.pos)) {
      this.pos++;
      const digit = c - ZERO;
      // overflow!(exp * 10 + digit, i32::MAX)
      if (exponent > 214748364 || (exponent === 214748364 && digit > 7)) {
        return this.parseExponentOverflow(positiveExponent);
      }
      exponent = exponent * 10 + digit;
    }
    return this.fromParts(
      saturateI32(positiveExponent ? startingExponent + exponent : startingExponent - exponent),
    );
  }

  /** `parse_exponent_overflow`: an exponent beyond i32 means zero, or out of range. */
  private parseExponentOverflow(positiveExponent: boolean): number {
    if (positiveExponent && !this.significandIsZero()) this.fail('NumberOutOfRange', this.pos, false);
    while (isDigit(this.text.charCodeAt(this.pos))) this.pos++;
    return 0;
  }

  private fromParts(exponent: number): number {
    const big = this.bigSignificand;
    const f = serdeF64FromParts(big === undefined ? this.significand : Number(big), exponent);
    return f ?? this.fail('NumberOutOfRange', this.pos, false);
  }
}

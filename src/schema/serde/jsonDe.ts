/**
 * serde_json's `Deserializer` over bytes (serde_json 1.0.87 `de.rs` and
 * `read.rs`), with `StrRead` (`from_str`) or `IoRead` (`from_reader`)
 * positions, and its `SeqAccess`, `MapAccess` and `MapKey`. It is the only
 * deserializer with positions: errors raised by a visitor carry none, and
 * the innermost `deserialize_*` that returns them stamps the reader's
 * current position (`fix_position`) after its `end_map`/`end_seq` ran
 * (see `../serdeTyped.ts`).
 */
import { serdeF64FromParts } from '../../json/serdeFloat';
import {
  type Content,
  type De,
  type MapAccess,
  NONE,
  type Next,
  type Seed,
  type SeqAccess,
  UNIT_VARIANT_ACCESS,
  UNIT_VISITOR,
  type VariantAccess,
  type Visitor,
  visit,
} from './de';
import { SYNTAX, SerdeTypedError, type SyntaxCode, UNIT, invalidType, isSerdeError, unexpected } from './errors';
import { CONTENT_VISITOR, IGNORED_ANY } from './visitors';

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
export const U64_MAX = (1n << 64n) - 1n;
const U64_MAX_DIV_10 = U64_MAX / 10n;
const I64_MIN_MAGNITUDE = 1n << 63n;

export type ParserNumber = { readonly t: 'u64' | 'i64'; readonly v: bigint } | { readonly t: 'f64'; readonly v: number };

export function visitNumber<T>(n: ParserNumber, v: Visitor<T>): T {
  return n.t === 'f64' ? visit.f64(v, n.v) : n.t === 'u64' ? visit.u64(v, n.v) : visit.i64(v, n.v);
}

export function numberUnexpected(n: ParserNumber): string {
  return n.t === 'f64' ? unexpected.float(n.v) : unexpected.int(n.v);
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

function hexValue(c: number): number {
  if (isDigit(c)) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** The bytes `parse_str` must stop at: `"`, `\` and control characters. */
const isEscape = (c: number) => c === QUOTE || c === BACKSLASH || c < SPACE;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class JsonDe implements De {
  /** Bytes consumed. */
  private index = 0;
  /** `IoRead` only: the byte at `index` has been peeked (pulled from the reader). */
  private peeked = false;
  private remainingDepth = 128;

  constructor(
    private readonly bytes: Uint8Array,
    /** `from_reader` (`IoRead`) rather than `from_str` (`StrRead`). */
    private readonly io: boolean,
  ) {}

  // --- Read -----------------------------------------------------------------

  private peek(): number {
    if (this.index >= this.bytes.length) return -1;
    if (this.io) this.peeked = true;
    return this.bytes[this.index]!;
  }

  private peekOrNull(): number {
    const c = this.peek();
    return c < 0 ? 0 : c;
  }

  private next(): number {
    if (this.index >= this.bytes.length) return -1;
    this.peeked = false;
    return this.bytes[this.index++]!;
  }

  private nextOrNull(): number {
    const c = this.next();
    return c < 0 ? 0 : c;
  }

  private discard(): void {
    this.index++;
    this.peeked = false;
  }

  private positionOf(i: number): [number, number] {
    let line = 1;
    let column = 0;
    for (let p = 0; p < i; p++) {
      if (this.bytes[p] === LF) {
        line++;
        column = 0;
      } else column++;
    }
    return [line, column];
  }

  /** `Read::position`: `IoRead` counts a peeked byte as read. */
  private position(): [number, number] {
    return this.positionOf(this.index + (this.peeked ? 1 : 0));
  }

  private peekPosition(): [number, number] {
    return this.io ? this.position() : this.positionOf(Math.min(this.bytes.length, this.index + 1));
  }

  private error(code: SyntaxCode): SerdeTypedError {
    return new SerdeTypedError(SYNTAX[code], ...this.position());
  }

  private peekError(code: SyntaxCode): SerdeTypedError {
    return new SerdeTypedError(SYNTAX[code], ...this.peekPosition());
  }

  private fixPosition(e: unknown): unknown {
    if (isSerdeError(e) && e.line === 0) [e.line, e.column] = this.position();
    return e;
  }

  // --- Deserializer helpers -------------------------------------------------

  /** `Deserializer::end`. */
  end(): void {
    if (this.parseWhitespace() >= 0) throw this.peekError('TrailingCharacters');
  }

  private parseWhitespace(): number {
    for (;;) {
      const c = this.peek();
      if (c === SPACE || c === LF || c === TAB || c === CR) this.discard();
      else return c;
    }
  }

  private parseIdent(ident: string): void {
    for (let i = 0; i < ident.length; i++) {
      const c = this.next();
      if (c < 0) throw this.error('EofWhileParsingValue');
      if (c !== ident.charCodeAt(i)) throw this.error('ExpectedSomeIdent');
    }
  }

  /** `peek_invalid_type`: reads the offending scalar (not a container) before reporting it. */
  private peekInvalidType(expected: string): SerdeTypedError {
    let err: SerdeTypedError;
    try {
      switch (this.peekOrNull()) {
        case 0x6e: // n
          this.discard();
          this.parseIdent('ull');
          err = invalidType(UNIT, expected);
          break;
        case 0x74: // t
          this.discard();
          this.parseIdent('rue');
          err = invalidType(unexpected.bool(true), expected);
          break;
        case 0x66: // f
          this.discard();
          this.parseIdent('alse');
          err = invalidType(unexpected.bool(false), expected);
          break;
        case 0x2d: // -
          this.discard();
          err = invalidType(numberUnexpected(this.parseInteger(false)), expected);
          break;
        case 0x30:
        case 0x31:
        case 0x32:
        case 0x33:
        case 0x34:
        case 0x35:
        case 0x36:
        case 0x37:
        case 0x38:
        case 0x39:
          err = invalidType(numberUnexpected(this.parseInteger(true)), expected);
          break;
        case QUOTE:
          this.discard();
          err = invalidType(unexpected.str(this.parseStr()), expected);
          break;
        case 0x5b: // [
          err = invalidType(unexpected.seq, expected);
          break;
        case 0x7b: // {
          err = invalidType(unexpected.map, expected);
          break;
        default:
          err = this.peekError('ExpectedSomeValue');
      }
    } catch (e) {
      if (isSerdeError(e)) return e;
      throw e;
    }
    return this.fixPosition(err) as SerdeTypedError;
  }

  /** `[` … `]` under `check_recursion!`, then `end_seq` even when the visitor failed. */
  private visitSeqBody<T>(v: Visitor<T>): T {
    return this.visitContainerBody(() => visit.seq(v, new JsonSeqAccess(this)), () => this.endSeq());
  }

  /** `{` … `}` under `check_recursion!`, then `end_map` even when the visitor failed. */
  private visitMapBody<T>(v: Visitor<T>): T {
    return this.visitContainerBody(() => visit.map(v, new JsonMapAccess(this)), () => this.endMap());
  }

  /** The visitor's error wins over the closing-bracket check's, as in serde_json. */
  private visitContainerBody<T>(visitBody: () => T, end: () => void): T {
    if (--this.remainingDepth === 0) throw this.peekError('RecursionLimitExceeded');
    this.discard();
    let ret: T | undefined;
    let err: unknown;
    try {
      ret = visitBody();
    } catch (e) {
      if (!isSerdeError(e)) throw e;
      err = e;
    }
    this.remainingDepth++;
    let endErr: unknown;
    try {
      end();
    } catch (e) {
      if (!isSerdeError(e)) throw e;
      endErr = e;
    }
    if (err !== undefined) throw err;
    if (endErr !== undefined) throw endErr;
    return ret as T;
  }

  private endSeq(): void {
    const c = this.parseWhitespace();
    if (c === 0x5d) {
      this.discard();
      return;
    }
    if (c === 0x2c) {
      this.discard();
      let after: number;
      try {
        after = this.parseWhitespace();
      } catch {
        after = -2;
      }
      throw this.peekError(after === 0x5d ? 'TrailingComma' : 'TrailingCharacters');
    }
    if (c >= 0) throw this.peekError('TrailingCharacters');
    throw this.peekError('EofWhileParsingList');
  }

  private endMap(): void {
    const c = this.parseWhitespace();
    if (c === 0x7d) {
      this.discard();
      return;
    }
    if (c === 0x2c) throw this.peekError('TrailingComma');
    if (c >= 0) throw this.peekError('TrailingCharacters');
    throw this.peekError('EofWhileParsingObject');
  }

  /** `deserialize_*` wrapper: the value, or the error stamped with the current position. */
  private fixed<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw this.fixPosition(e);
    }
  }

  private peekValue(): number {
    const c = this.parseWhitespace();
    if (c < 0) throw this.peekError('EofWhileParsingValue');
    return c;
  }

  // --- serde::Deserializer --------------------------------------------------

  any<T>(v: Visitor<T>): T {
    const c = this.peekValue();
    return this.fixed(() => {
      switch (c) {
        case 0x6e:
          this.discard();
          this.parseIdent('ull');
          return visit.unit(v);
        case 0x74:
          this.discard();
          this.parseIdent('rue');
          return visit.bool(v, true);
        case 0x66:
          this.discard();
          this.parseIdent('alse');
          return visit.bool(v, false);
        case 0x2d:
          this.discard();
          return visitNumber(this.parseInteger(false), v);
        case QUOTE:
          this.discard();
          return visit.str(v, this.parseStr());
        case 0x5b:
          return this.visitSeqBody(v);
        case 0x7b:
          return this.visitMapBody(v);
        default:
          if (isDigit(c)) return visitNumber(this.parseInteger(true), v);
          throw this.peekError('ExpectedSomeValue');
      }
    });
  }

  bool<T>(v: Visitor<T>): T {
    const c = this.peekValue();
    return this.fixed(() => {
      if (c === 0x74) {
        this.discard();
        this.parseIdent('rue');
        return visit.bool(v, true);
      }
      if (c === 0x66) {
        this.discard();
        this.parseIdent('alse');
        return visit.bool(v, false);
      }
      throw this.peekInvalidType(v.expecting);
    });
  }

  /** `deserialize_number`. */
  integer<T>(v: Visitor<T>): T {
    const c = this.peekValue();
    return this.fixed(() => {
      if (c === 0x2d) {
        this.discard();
        return visitNumber(this.parseInteger(false), v);
      }
      if (isDigit(c)) return visitNumber(this.parseInteger(true), v);
      throw this.peekInvalidType(v.expecting);
    });
  }

  /** `deserialize_str` (also `deserialize_string`, `deserialize_identifier`). */
  string<T>(v: Visitor<T>): T {
    const c = this.peekValue();
    return this.fixed(() => {
      if (c === QUOTE) {
        this.discard();
        return visit.str(v, this.parseStr());
      }
      throw this.peekInvalidType(v.expecting);
    });
  }

  identifier<T>(v: Visitor<T>): T {
    return this.string(v);
  }

  option<T>(v: Visitor<T>): T {
    if (this.parseWhitespace() === 0x6e) {
      this.discard();
      this.parseIdent('ull');
      return visit.none(v);
    }
    return visit.some(v, this);
  }

  unit<T>(v: Visitor<T>): T {
    const c = this.peekValue();
    return this.fixed(() => {
      if (c === 0x6e) {
        this.discard();
        this.parseIdent('ull');
        return visit.unit(v);
      }
      throw this.peekInvalidType(v.expecting);
    });
  }

  seq<T>(v: Visitor<T>): T {
    const c = this.peekValue();
    return this.fixed(() => {
      if (c === 0x5b) return this.visitSeqBody(v);
      throw this.peekInvalidType(v.expecting);
    });
  }

  struct<T>(v: Visitor<T>): T {
    const c = this.peekValue();
    return this.fixed(() => {
      if (c === 0x5b) return this.visitSeqBody(v);
      if (c === 0x7b) return this.visitMapBody(v);
      throw this.peekInvalidType(v.expecting);
    });
  }

  /** `deserialize_enum`: `"variant"` or `{"variant": value}`; no `fix_position`. */
  enum<T>(v: Visitor<T>): T {
    const c = this.parseWhitespace();
    if (c === 0x7b) {
      if (--this.remainingDepth === 0) throw this.peekError('RecursionLimitExceeded');
      this.discard();
      const value = visit.enum(v, {
        variant: <S>(seed: Seed<S>): [S, VariantAccess] => {
          const val = seed(this);
          this.parseObjectColon();
          return [
            val,
            {
              unitVariant: () => void this.unit(UNIT_VISITOR),
              newtypeVariant: <N>(inner: Seed<N>) => inner(this),
            },
          ];
        },
      });
      this.remainingDepth++;
      const end = this.parseWhitespace();
      if (end === 0x7d) {
        this.discard();
        return value;
      }
      throw this.error(end >= 0 ? 'ExpectedSomeValue' : 'EofWhileParsingObject');
    }
    if (c === QUOTE) {
      return visit.enum(v, {
        variant: <S>(seed: Seed<S>): [S, VariantAccess] => [seed(this), UNIT_VARIANT_ACCESS],
      });
    }
    throw this.peekError(c >= 0 ? 'ExpectedSomeValue' : 'EofWhileParsingValue');
  }

  ignoredAny(): void {
    this.ignoreValue();
  }

  content(): Content {
    return this.any(CONTENT_VISITOR);
  }

  // --- MapAccess / SeqAccess support ------------------------------------------

  /** `SeqAccess::next_element_seed`. */
  nextElement<T>(first: { value: boolean }, seed: Seed<T>): Next<T> {
    let c = this.parseWhitespace();
    if (c === 0x5d) return NONE;
    if (c === 0x2c && !first.value) {
      this.discard();
      c = this.parseWhitespace();
    } else if (c >= 0) {
      if (!first.value) throw this.peekError('ExpectedListCommaOrEnd');
      first.value = false;
    } else throw this.peekError('EofWhileParsingList');
    if (c === 0x5d) throw this.peekError('TrailingComma');
    if (c < 0) throw this.peekError('EofWhileParsingValue');
    return seed(this);
  }

  /** `MapAccess::next_key_seed`; keys are read by `MapKey`. */
  nextKey<T>(first: { value: boolean }, seed: Seed<T>): Next<T> {
    let c = this.parseWhitespace();
    if (c === 0x7d) return NONE;
    if (c === 0x2c && !first.value) {
      this.discard();
      c = this.parseWhitespace();
    } else if (c >= 0) {
      if (!first.value) throw this.peekError('ExpectedObjectCommaOrEnd');
      first.value = false;
    } else throw this.peekError('EofWhileParsingObject');
    if (c === QUOTE) return seed(new MapKeyDe(this));
    if (c === 0x7d) throw this.peekError('TrailingComma');
    if (c < 0) throw this.peekError('EofWhileParsingValue');
    throw this.peekError('KeyMustBeAString');
  }

  /** `MapKey`: every `deserialize_*` reads the (peeked) string and visits it. */
  readKey<T>(v: Visitor<T>): T {
    this.discard();
    return visit.str(v, this.parseStr());
  }

  parseObjectColon(): void {
    const c = this.parseWhitespace();
    if (c === 0x3a) {
      this.discard();
      return;
    }
    throw this.peekError(c >= 0 ? 'ExpectedColon' : 'EofWhileParsingObject');
  }

  // --- numbers ----------------------------------------------------------------

  /** `parse_integer` (which `parse_any_number` is without `arbitrary_precision`). */
  private parseInteger(positive: boolean): ParserNumber {
    const first = this.next();
    if (first < 0) throw this.error('EofWhileParsingValue');
    if (first === 0x30) {
      if (isDigit(this.peekOrNull())) throw this.peekError('InvalidNumber');
      return this.parseNumber(positive, 0n);
    }
    if (!isDigit(first)) throw this.error('InvalidNumber');
    let significand = BigInt(first - 0x30);
    for (;;) {
      const c = this.peekOrNull();
      if (!isDigit(c)) return this.parseNumber(positive, significand);
      const digit = BigInt(c - 0x30);
      if (overflows(significand, digit)) {
        return { t: 'f64', v: this.parseLongInteger(positive, significand) };
      }
      this.discard();
      significand = significand * 10n + digit;
    }
  }

  private parseNumber(positive: boolean, significand: bigint): ParserNumber {
    const c = this.peekOrNull();
    if (c === 0x2e) return { t: 'f64', v: this.parseDecimal(positive, significand, 0) };
    if (c === 0x65 || c === 0x45) return { t: 'f64', v: this.parseExponent(positive, significand, 0) };
    if (positive) return { t: 'u64', v: significand };
    // `(significand as i64).wrapping_neg()`: negative exactly for 1 ..= 2^63.
    if (significand === 0n || significand > I64_MIN_MAGNITUDE) return { t: 'f64', v: -Number(significand) };
    return { t: 'i64', v: -significand };
  }

  private parseDecimal(positive: boolean, significand: bigint, exponent: number): number {
    this.discard();
    for (;;) {
      const c = this.peekOrNull();
      if (!isDigit(c)) break;
      const digit = BigInt(c - 0x30);
      if (overflows(significand, digit)) return this.parseDecimalOverflow(positive, significand, exponent);
      this.discard();
      significand = significand * 10n + digit;
      exponent -= 1;
    }
    if (exponent === 0) {
      throw this.peekError(this.peek() >= 0 ? 'InvalidNumber' : 'EofWhileParsingValue');
    }
    const c = this.peekOrNull();
    if (c === 0x65 || c === 0x45) return this.parseExponent(positive, significand, exponent);
    return this.f64FromParts(positive, significand, exponent);
  }

  private parseExponent(positive: boolean, significand: bigint, startingExp: number): number {
    this.discard();
    let positiveExp = true;
    const sign = this.peekOrNull();
    if (sign === 0x2b) this.discard();
    else if (sign === 0x2d) {
      this.discard();
      positiveExp = false;
    }
    const next = this.next();
    if (next < 0) throw this.error('EofWhileParsingValue');
    if (!isDigit(next)) throw this.error('InvalidNumber');
    let exp = next - 0x30;
    for (;;) {
      const c = this.peekOrNull();
      if (!isDigit(c)) break;
      this.discard();
      const digit = c - 0x30;
      if (exp > 214748364 || (exp === 214748364 && digit > 7)) {
        return this.parseExponentOverflow(positive, significand === 0n, positiveExp);
      }
      exp = exp * 10 + digit;
    }
    const finalExp = positiveExp ? startingExp + exp : startingExp - exp;
    return this.f64FromParts(positive, significand, Math.max(-2147483648, Math.min(2147483647, finalExp)));
  }

  private parseExponentOverflow(positive: boolean, zeroSignificand: boolean, positiveExp: boolean): number {
    if (!zeroSignificand && positiveExp) throw this.error('NumberOutOfRange');
    while (isDigit(this.peekOrNull())) this.discard();
    return positive ? 0 : -0;
  }

  private parseLongInteger(positive: boolean, significand: bigint): number {
    let exponent = 0;
    for (;;) {
      const c = this.peekOrNull();
      if (isDigit(c)) {
        this.discard();
        exponent++;
      } else if (c === 0x2e) return this.parseDecimal(positive, significand, exponent);
      else if (c === 0x65 || c === 0x45) return this.parseExponent(positive, significand, exponent);
      else return this.f64FromParts(positive, significand, exponent);
    }
  }

  private parseDecimalOverflow(positive: boolean, significand: bigint, exponent: number): number {
    while (isDigit(this.peekOrNull())) this.discard();
    const c = this.peekOrNull();
    if (c === 0x65 || c === 0x45) return this.parseExponent(positive, significand, exponent);
    return this.f64FromParts(positive, significand, exponent);
  }

  private f64FromParts(positive: boolean, significand: bigint, exponent: number): number {
    const f = serdeF64FromParts(Number(significand), exponent);
    if (f === undefined) throw this.error('NumberOutOfRange');
    return positive ? f : -f;
  }

  // --- strings ----------------------------------------------------------------

  /** `Read::parse_str` (validating); the opening quote is consumed. */
  private parseStr(): string {
    const bytes = this.bytes;
    const scratch: number[] = [];
    let start = this.index;
    let escaped = false;
    for (;;) {
      while (this.index < bytes.length && !isEscape(bytes[this.index]!)) this.index++;
      if (this.index === bytes.length) {
        this.peeked = false;
        throw this.error('EofWhileParsingString');
      }
      const c = bytes[this.index]!;
      if (c === QUOTE) {
        const raw = bytes.subarray(start, this.index);
        this.index++;
        this.peeked = false;
        if (!escaped) return this.asStr(raw);
        for (const b of raw) scratch.push(b);
        return this.asStr(Uint8Array.from(scratch));
      }
      for (const b of bytes.subarray(start, this.index)) scratch.push(b);
      this.index++;
      this.peeked = false;
      if (c !== BACKSLASH) throw this.error('ControlCharacterWhileParsingString');
      this.parseEscape(scratch);
      escaped = true;
      start = this.index;
    }
  }

  /** `as_str`: `IoRead` checks UTF-8 (`StrRead` input is a `&str` already). */
  private asStr(raw: Uint8Array): string {
    try {
      return utf8.decode(raw);
    } catch {
      throw this.error('InvalidUnicodeCodePoint');
    }
  }

  private nextOrEof(): number {
    const c = this.next();
    if (c < 0) throw this.error('EofWhileParsingString');
    return c;
  }

  private peekOrEof(): number {
    const c = this.peek();
    if (c < 0) throw this.error('EofWhileParsingString');
    return c;
  }

  private parseEscape(scratch: number[]): void {
    const c = this.nextOrEof();
    switch (c) {
      case QUOTE:
      case BACKSLASH:
      case 0x2f:
        scratch.push(c);
        return;
      case 0x62:
        scratch.push(0x08);
        return;
      case 0x66:
        scratch.push(0x0c);
        return;
      case 0x6e:
        scratch.push(0x0a);
        return;
      case 0x72:
        scratch.push(0x0d);
        return;
      case 0x74:
        scratch.push(0x09);
        return;
      case 0x75: {
        let n = this.decodeHexEscape();
        if (n >= 0xdc00 && n <= 0xdfff) throw this.error('LoneLeadingSurrogateInHexEscape');
        if (n >= 0xd800 && n <= 0xdbff) {
          if (this.peekOrEof() !== BACKSLASH) {
            this.discard();
            throw this.error('UnexpectedEndOfHexEscape');
          }
          this.discard();
          if (this.peekOrEof() !== 0x75) {
            this.discard();
            throw this.error('UnexpectedEndOfHexEscape');
          }
          this.discard();
          const n2 = this.decodeHexEscape();
          if (n2 < 0xdc00 || n2 > 0xdfff) throw this.error('LoneLeadingSurrogateInHexEscape');
          n = (((n - 0xd800) << 10) | (n2 - 0xdc00)) + 0x10000;
        }
        for (const b of new TextEncoder().encode(String.fromCodePoint(n))) scratch.push(b);
        return;
      }
      default:
        throw this.error('InvalidEscape');
    }
  }

  private decodeHexEscape(): number {
    if (!this.io && this.index + 4 > this.bytes.length) {
      this.index = this.bytes.length;
      throw this.error('EofWhileParsingString');
    }
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const v = hexValue(this.io ? this.nextOrEof() : this.bytes[this.index++]!);
      if (v < 0) throw this.error('InvalidEscape');
      n = (n << 4) + v;
    }
    return n;
  }

  // --- IgnoredAny ---------------------------------------------------------------

  /** `Read::ignore_str` (no UTF-8 or surrogate checks). */
  private ignoreStr(): void {
    const bytes = this.bytes;
    for (;;) {
      if (this.io) {
        const c = this.nextOrEof();
        if (!isEscape(c)) continue;
        if (c === QUOTE) return;
        if (c === BACKSLASH) this.ignoreEscape();
        else throw this.error('ControlCharacterWhileParsingString');
        continue;
      }
      while (this.index < bytes.length && !isEscape(bytes[this.index]!)) this.index++;
      if (this.index === bytes.length) throw this.error('EofWhileParsingString');
      const c = bytes[this.index]!;
      if (c === QUOTE) {
        this.index++;
        return;
      }
      if (c !== BACKSLASH) throw this.error('ControlCharacterWhileParsingString');
      this.index++;
      this.ignoreEscape();
    }
  }

  private ignoreEscape(): void {
    const c = this.nextOrEof();
    if (c === 0x75) this.decodeHexEscape();
    else if (!(c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74)) {
      throw this.error('InvalidEscape');
    }
  }

  private ignoreInteger(): void {
    const c = this.nextOrNull();
    if (c === 0x30) {
      if (isDigit(this.peekOrNull())) throw this.peekError('InvalidNumber');
    } else if (c >= 0x31 && c <= 0x39) {
      while (isDigit(this.peekOrNull())) this.discard();
    } else throw this.error('InvalidNumber');
    const p = this.peekOrNull();
    if (p === 0x2e) this.ignoreDecimal();
    else if (p === 0x65 || p === 0x45) this.ignoreExponent();
  }

  private ignoreDecimal(): void {
    this.discard();
    let digits = false;
    while (isDigit(this.peekOrNull())) {
      this.discard();
      digits = true;
    }
    if (!digits) throw this.peekError('InvalidNumber');
    const p = this.peekOrNull();
    if (p === 0x65 || p === 0x45) this.ignoreExponent();
  }

  private ignoreExponent(): void {
    this.discard();
    const sign = this.peekOrNull();
    if (sign === 0x2b || sign === 0x2d) this.discard();
    if (!isDigit(this.nextOrNull())) throw this.error('InvalidNumber');
    while (isDigit(this.peekOrNull())) this.discard();
  }

  /** `ignore_value`: iterative, so without the recursion limit. */
  private ignoreValue(): void {
    const frames: number[] = [];
    let enclosing: number | undefined;
    for (;;) {
      const peek = this.parseWhitespace();
      if (peek < 0) throw this.peekError('EofWhileParsingValue');
      let frame: number | undefined;
      switch (peek) {
        case 0x6e:
          this.discard();
          this.parseIdent('ull');
          break;
        case 0x74:
          this.discard();
          this.parseIdent('rue');
          break;
        case 0x66:
          this.discard();
          this.parseIdent('alse');
          break;
        case 0x2d:
          this.discard();
          this.ignoreInteger();
          break;
        case QUOTE:
          this.discard();
          this.ignoreStr();
          break;
        case 0x5b:
        case 0x7b:
          if (enclosing !== undefined) frames.push(enclosing);
          enclosing = undefined;
          this.discard();
          frame = peek;
          break;
        default:
          if (isDigit(peek)) this.ignoreInteger();
          else throw this.peekError('ExpectedSomeValue');
      }
      let acceptComma: boolean;
      let current: number;
      if (frame !== undefined) {
        acceptComma = false;
        current = frame;
      } else if (enclosing !== undefined) {
        acceptComma = true;
        current = enclosing;
        enclosing = undefined;
      } else {
        const popped = frames.pop();
        if (popped === undefined) return;
        acceptComma = true;
        current = popped;
      }
      for (;;) {
        const c = this.parseWhitespace();
        if (c === 0x2c && acceptComma) {
          this.discard();
          break;
        }
        if (!((c === 0x5d && current === 0x5b) || (c === 0x7d && current === 0x7b))) {
          if (c >= 0) {
            if (acceptComma) throw this.peekError(current === 0x5b ? 'ExpectedListCommaOrEnd' : 'ExpectedObjectCommaOrEnd');
            break;
          }
          throw this.peekError(current === 0x5b ? 'EofWhileParsingList' : 'EofWhileParsingObject');
        }
        this.discard();
        const popped = frames.pop();
        if (popped === undefined) return;
        current = popped;
        acceptComma = true;
      }
      if (current === 0x7b) {
        const c = this.parseWhitespace();
        if (c === QUOTE) this.discard();
        else throw this.peekError(c >= 0 ? 'KeyMustBeAString' : 'EofWhileParsingObject');
        this.ignoreStr();
        const colon = this.parseWhitespace();
        if (colon === 0x3a) this.discard();
        else throw this.peekError(colon >= 0 ? 'ExpectedColon' : 'EofWhileParsingObject');
      }
      enclosing = current;
    }
  }
}

/** `overflow!(significand * 10 + digit, u64::MAX)`. */
function overflows(significand: bigint, digit: bigint): boolean {
  return significand >= U64_MAX_DIV_10 && (significand > U64_MAX_DIV_10 || digit > 5n);
}

class JsonSeqAccess implements SeqAccess {
  private readonly first = { value: true };
  constructor(private readonly de: JsonDe) {}
  nextElement<T>(seed: Seed<T>): Next<T> {
    return this.de.nextElement(this.first, seed);
  }
}

class JsonMapAccess implements MapAccess {
  private readonly first = { value: true };
  constructor(private readonly de: JsonDe) {}
  nextKey<T>(seed: Seed<T>): Next<T> {
    return this.de.nextKey(this.first, seed);
  }
  nextValue<T>(seed: Seed<T>): T {
    this.de.parseObjectColon();
    return seed(this.de);
  }
}

/** serde_json's `MapKey`: whatever is asked for, the key string is visited. */
class MapKeyDe implements De {
  constructor(private readonly de: JsonDe) {}
  any<T>(v: Visitor<T>): T {
    return this.de.readKey(v);
  }
  bool<T>(v: Visitor<T>): T {
    return this.de.readKey(v);
  }
  integer<T>(v: Visitor<T>): T {
    return this.de.readKey(v);
  }
  string<T>(v: Visitor<T>): T {
    return this.de.readKey(v);
  }
  identifier<T>(v: Visitor<T>): T {
    return this.de.readKey(v);
  }
  option<T>(v: Visitor<T>): T {
    return visit.some(v, this);
  }
  unit<T>(v: Visitor<T>): T {
    return this.de.readKey(v);
  }
  seq<T>(v: Visitor<T>): T {
    return this.de.readKey(v);
  }
  struct<T>(v: Visitor<T>): T {
    return this.de.readKey(v);
  }
  enum<T>(v: Visitor<T>): T {
    return this.de.enum(v);
  }
  ignoredAny(): void {
    this.de.readKey(IGNORED_ANY);
  }
  content(): Content {
    return this.de.readKey(CONTENT_VISITOR);
  }
}

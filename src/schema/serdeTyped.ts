/**
 * serde's typed deserialization (`serde_json::from_str::<T>` /
 * `from_reader::<T>`), emulated from a description of the Rust type `T`.
 *
 * io-ts decides *whether* a value fits the schema; this module decides what
 * serde says when it does not, character for character, including
 * serde_json's ` at line L column C`. It is a slow, exact path: the callers
 * run it only after the fast JSON.parse + io-ts path has failed (or met
 * something JSON.parse cannot judge), and it also returns the value serde
 * would have produced, so inputs serde accepts but io-ts does not (a struct
 * written as an array, `{"running":null}` for a unit variant, a variant
 * index) decode as they do in the reference.
 *
 * The code mirrors the Rust it emulates (serde_json 1.0.87 `de.rs` and
 * `read.rs`, serde 1.0.152 `private/de.rs`, `de/value.rs`, serde_derive's
 * generated visitors), so each step can be checked against it:
 *
 * - `JsonDe` is serde_json's `Deserializer` over bytes, with `StrRead`
 *   (`from_str`) or `IoRead` (`from_reader`) positions. Errors raised by a
 *   visitor carry no position; the innermost `deserialize_*` that returns
 *   them stamps the reader's current position (`fix_position`), *after*
 *   its `end_map`/`end_seq` ran. That is why a missing field is reported
 *   after the object's `}` and an error inside an internally tagged enum's
 *   content after the enclosing value.
 * - `ContentDe` is serde's `ContentDeserializer`: internally tagged enums
 *   buffer their object into `Content` first and deserialize the variant
 *   from it, with no positions.
 * - `ValueDe` is `serde_json::Value` as a deserializer (`from_value`, which
 *   the reducer uses on payloads): no positions either.
 * - Visitors are objects whose missing `visit_*` methods fall back to
 *   serde's defaults (`invalid type: …, expected <expecting>`).
 */
import { SERDE_SYNTAX_MESSAGES } from '../json/error';
import { serdeF64FromParts } from '../json/serdeFloat';
import { SerdeNumber, SerdeObject, type SerdeValue, serdeFloat, serdeInteger } from '../json/value';
import { rustDebugStr, rustDisplayF64 } from './rustFormat';

// ---------------------------------------------------------------------------
// Rust type descriptions

/** A field of a Rust struct or struct variant, in declaration order. */
export interface RustField {
  readonly name: string;
  readonly type: RustType;
  /** `#[serde(default)]`: the value used when the field is missing. */
  readonly default?: unknown;
}

/** A variant: `fields` for a struct variant, `newtype` for a newtype variant, neither for a unit variant. */
export interface RustVariant {
  /** The Rust identifier (`RolloutStarted`), used in `expecting` texts. */
  readonly rust: string;
  /** The serialized name (`rollout_started`). */
  readonly name: string;
  readonly fields?: readonly RustField[];
  readonly newtype?: RustType;
}

/** A conversion after deserializing (`try_from`, a hand-written `Deserialize`): the value or an error text. */
export type RustConversion = (value: unknown) => { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** The subset of Rust types (and serde representations) the trace formats use. */
export type RustType =
  | { readonly kind: 'u32' | 'u64' | 'i64' | 'i32' | 'usize' | 'bool' | 'string' | 'value' }
  /** `serde_json::Value` kept exactly, as a {@link SerdeValue} (number kinds, key order), for a caller that prints it. */
  | { readonly kind: 'exactValue' }
  | { readonly kind: 'option' | 'vec'; readonly inner: RustType }
  | { readonly kind: 'struct'; readonly name: string; readonly fields: readonly RustField[] }
  /** A derived enum without `tag` (externally tagged: `"running"`, `{"errored": "x"}`); unit and newtype variants. */
  | { readonly kind: 'unitEnum'; readonly name: string; readonly variants: readonly RustVariant[] }
  /** `inner`, then a conversion whose failure is a `de::Error::custom`. */
  | { readonly kind: 'custom'; readonly inner: RustType; readonly convert: RustConversion }
  /** `#[serde(tag = "...")]`. */
  | { readonly kind: 'internallyTagged'; readonly name: string; readonly tag: string; readonly variants: readonly RustVariant[] }
  /** `#[serde(tag = "...", content = "...")]` with unit variants only. */
  | {
      readonly kind: 'adjacentlyTagged';
      readonly name: string;
      readonly tag: string;
      readonly content: string;
      readonly variants: readonly RustVariant[];
    };

// ---------------------------------------------------------------------------
// Errors

const SYNTAX = SERDE_SYNTAX_MESSAGES;
type SyntaxCode = keyof typeof SYNTAX;

/** A `serde_json::Error`: `line` 0 means "no position yet" (a `de::Error::custom`). */
export class SerdeTypedError {
  /** Struct fields leading to the failure (`payload.request_payload`), for diagnostics only. */
  path: string[] = [];

  constructor(
    readonly reason: string,
    public line = 0,
    public column = 0,
  ) {}

  /** serde_json's `Display`. */
  get message(): string {
    return this.line === 0 ? this.reason : `${this.reason} at line ${this.line} column ${this.column}`;
  }

  toString(): string {
    return this.message;
  }
}

function isSerdeError(e: unknown): e is SerdeTypedError {
  return e instanceof SerdeTypedError;
}

/** `Unexpected::Unit`, which serde_json's `invalid_type` prints as `null`. */
const UNIT = 'unit value';

/** serde's `Unexpected` `Display`, for the values JSON can produce. */
const unexpected = {
  bool: (b: boolean) => `boolean \`${b}\``,
  int: (n: bigint) => `integer \`${n}\``,
  float: (f: number) => `floating point \`${rustDisplayF64(f)}\``,
  str: (s: string) => `string ${rustDebugStr(s)}`,
  unit: UNIT,
  option: 'Option value',
  seq: 'sequence',
  map: 'map',
  enum: 'enum',
  unitVariant: 'unit variant',
};

function custom(message: string): SerdeTypedError {
  return new SerdeTypedError(message);
}

/** serde_json's `de::Error::invalid_type` (its override prints `Unexpected::Unit` as `null`). */
function invalidType(unexp: string, expected: string): SerdeTypedError {
  return custom(`invalid type: ${unexp === UNIT ? 'null' : unexp}, expected ${expected}`);
}

function invalidValue(unexp: string, expected: string): SerdeTypedError {
  return custom(`invalid value: ${unexp}, expected ${expected}`);
}

function invalidLength(len: number, expected: string): SerdeTypedError {
  return custom(`invalid length ${len}, expected ${expected}`);
}

function missingField(field: string): SerdeTypedError {
  return custom(`missing field \`${field}\``);
}

function duplicateField(field: string): SerdeTypedError {
  return custom(`duplicate field \`${field}\``);
}

/** serde's `OneOf`. */
function oneOf(names: readonly string[]): string {
  if (names.length === 1) return `\`${names[0]}\``;
  if (names.length === 2) return `\`${names[0]}\` or \`${names[1]}\``;
  return `one of ${names.map((n) => `\`${n}\``).join(', ')}`;
}

function unknownVariant(variant: string, expected: readonly string[]): SerdeTypedError {
  if (expected.length === 0) return custom(`unknown variant \`${variant}\`, there are no variants`);
  return custom(`unknown variant \`${variant}\`, expected ${oneOf(expected)}`);
}

/** `ExpectedInSeq` / `ExpectedInMap`. */
function expectedIn(count: number, what: 'sequence' | 'map'): string {
  return count === 1 ? `1 element in ${what}` : `${count} elements in ${what}`;
}

// ---------------------------------------------------------------------------
// Content, visitors and the deserializer interface

/** serde's `Content`, as serde_json's `deserialize_any` produces it. */
type Content =
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'u64' | 'i64'; readonly v: bigint }
  | { readonly t: 'f64'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'unit' }
  | { readonly t: 'seq'; readonly v: Content[] }
  | { readonly t: 'map'; readonly v: [Content, Content][] };

function contentUnexpected(c: Content): string {
  switch (c.t) {
    case 'bool':
      return unexpected.bool(c.v);
    case 'u64':
    case 'i64':
      return unexpected.int(c.v);
    case 'f64':
      return unexpected.float(c.v);
    case 'str':
      return unexpected.str(c.v);
    case 'unit':
      return UNIT;
    case 'seq':
      return unexpected.seq;
    case 'map':
      return unexpected.map;
  }
}

/** A serde `Visitor`; absent methods behave like serde's defaults. */
interface Visitor<T> {
  readonly expecting: string;
  bool?(v: boolean): T;
  u64?(v: bigint): T;
  i64?(v: bigint): T;
  f64?(v: number): T;
  str?(v: string): T;
  unit?(): T;
  none?(): T;
  some?(de: De): T;
  seq?(seq: SeqAccess): T;
  map?(map: MapAccess): T;
  enum?(data: EnumAccess): T;
}

const visit = {
  bool<T>(v: Visitor<T>, b: boolean): T {
    if (v.bool) return v.bool(b);
    throw invalidType(unexpected.bool(b), v.expecting);
  },
  u64<T>(v: Visitor<T>, n: bigint): T {
    if (v.u64) return v.u64(n);
    throw invalidType(unexpected.int(n), v.expecting);
  },
  i64<T>(v: Visitor<T>, n: bigint): T {
    if (v.i64) return v.i64(n);
    throw invalidType(unexpected.int(n), v.expecting);
  },
  f64<T>(v: Visitor<T>, f: number): T {
    if (v.f64) return v.f64(f);
    throw invalidType(unexpected.float(f), v.expecting);
  },
  str<T>(v: Visitor<T>, s: string): T {
    if (v.str) return v.str(s);
    throw invalidType(unexpected.str(s), v.expecting);
  },
  unit<T>(v: Visitor<T>): T {
    if (v.unit) return v.unit();
    throw invalidType(UNIT, v.expecting);
  },
  none<T>(v: Visitor<T>): T {
    if (v.none) return v.none();
    throw invalidType(unexpected.option, v.expecting);
  },
  some<T>(v: Visitor<T>, de: De): T {
    if (v.some) return v.some(de);
    throw invalidType(unexpected.option, v.expecting);
  },
  seq<T>(v: Visitor<T>, seq: SeqAccess): T {
    if (v.seq) return v.seq(seq);
    throw invalidType(unexpected.seq, v.expecting);
  },
  map<T>(v: Visitor<T>, map: MapAccess): T {
    if (v.map) return v.map(map);
    throw invalidType(unexpected.map, v.expecting);
  },
  enum<T>(v: Visitor<T>, data: EnumAccess): T {
    if (v.enum) return v.enum(data);
    throw invalidType(unexpected.enum, v.expecting);
  },
};

/** `DeserializeSeed`. */
type Seed<T> = (de: De) => T;

/** "No more elements / keys". */
const NONE: unique symbol = Symbol('none');
type Next<T> = T | typeof NONE;

interface SeqAccess {
  nextElement<T>(seed: Seed<T>): Next<T>;
}

interface MapAccess {
  nextKey<T>(seed: Seed<T>): Next<T>;
  nextValue<T>(seed: Seed<T>): T;
}

interface VariantAccess {
  unitVariant(): void;
  newtypeVariant<T>(seed: Seed<T>): T;
}

interface EnumAccess {
  variant<T>(seed: Seed<T>): [T, VariantAccess];
}

/** The `serde::Deserializer` methods the trace types call. */
interface De {
  any<T>(v: Visitor<T>): T;
  bool<T>(v: Visitor<T>): T;
  /** `deserialize_u32`, `deserialize_u64`, `deserialize_i64`, … */
  integer<T>(v: Visitor<T>): T;
  string<T>(v: Visitor<T>): T;
  identifier<T>(v: Visitor<T>): T;
  option<T>(v: Visitor<T>): T;
  unit<T>(v: Visitor<T>): T;
  seq<T>(v: Visitor<T>): T;
  struct<T>(v: Visitor<T>): T;
  enum<T>(v: Visitor<T>): T;
  ignoredAny(): void;
  /** `Content::deserialize` (`__deserialize_content`). */
  content(): Content;
}

// ---------------------------------------------------------------------------
// serde_json's Deserializer over bytes

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const U64_MAX = (1n << 64n) - 1n;
const U64_MAX_DIV_10 = U64_MAX / 10n;
const I64_MIN_MAGNITUDE = 1n << 63n;

type ParserNumber = { readonly t: 'u64' | 'i64'; readonly v: bigint } | { readonly t: 'f64'; readonly v: number };

function visitNumber<T>(n: ParserNumber, v: Visitor<T>): T {
  return n.t === 'f64' ? visit.f64(v, n.v) : n.t === 'u64' ? visit.u64(v, n.v) : visit.i64(v, n.v);
}

function numberUnexpected(n: ParserNumber): string {
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

class JsonDe implements De {
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

// ---------------------------------------------------------------------------
// serde's ContentDeserializer

class ContentDe implements De {
  constructor(private readonly c: Content) {}

  private invalid(v: Visitor<unknown>): SerdeTypedError {
    return invalidType(contentUnexpected(this.c), v.expecting);
  }

  any<T>(v: Visitor<T>): T {
    const c = this.c;
    switch (c.t) {
      case 'bool':
        return visit.bool(v, c.v);
      case 'u64':
        return visit.u64(v, c.v);
      case 'i64':
        return visit.i64(v, c.v);
      case 'f64':
        return visit.f64(v, c.v);
      case 'str':
        return visit.str(v, c.v);
      case 'unit':
        return visit.unit(v);
      case 'seq':
        return visitContentSeq(c.v, v);
      case 'map':
        return visitContentMap(c.v, v);
    }
  }

  bool<T>(v: Visitor<T>): T {
    if (this.c.t === 'bool') return visit.bool(v, this.c.v);
    throw this.invalid(v);
  }

  integer<T>(v: Visitor<T>): T {
    if (this.c.t === 'u64') return visit.u64(v, this.c.v);
    if (this.c.t === 'i64') return visit.i64(v, this.c.v);
    throw this.invalid(v);
  }

  string<T>(v: Visitor<T>): T {
    if (this.c.t === 'str') return visit.str(v, this.c.v);
    throw this.invalid(v);
  }

  identifier<T>(v: Visitor<T>): T {
    if (this.c.t === 'str') return visit.str(v, this.c.v);
    if (this.c.t === 'u64') return visit.u64(v, this.c.v);
    throw this.invalid(v);
  }

  option<T>(v: Visitor<T>): T {
    if (this.c.t === 'unit') return visit.unit(v);
    return visit.some(v, this);
  }

  unit<T>(v: Visitor<T>): T {
    if (this.c.t === 'unit' || (this.c.t === 'map' && this.c.v.length === 0)) return visit.unit(v);
    throw this.invalid(v);
  }

  seq<T>(v: Visitor<T>): T {
    if (this.c.t === 'seq') return visitContentSeq(this.c.v, v);
    throw this.invalid(v);
  }

  struct<T>(v: Visitor<T>): T {
    if (this.c.t === 'seq') return visitContentSeq(this.c.v, v);
    if (this.c.t === 'map') return visitContentMap(this.c.v, v);
    throw this.invalid(v);
  }

  enum<T>(v: Visitor<T>): T {
    let variant: Content;
    let value: Content | undefined;
    if (this.c.t === 'map') {
      if (this.c.v.length !== 1) throw invalidValue(unexpected.map, 'map with a single key');
      [variant, value] = this.c.v[0]!;
    } else if (this.c.t === 'str') variant = this.c;
    else throw invalidType(contentUnexpected(this.c), 'string or map');
    return visit.enum(v, {
      variant: <S>(seed: Seed<S>): [S, VariantAccess] => [
        seed(new ContentDe(variant)),
        value === undefined ? UNIT_VARIANT_ACCESS : valueVariantAccess(new ContentDe(value)),
      ],
    });
  }

  ignoredAny(): void {}

  content(): Content {
    return this.c;
  }
}

/** `UnitVisitor` (for `()`). */
const UNIT_VISITOR: Visitor<undefined> = { expecting: 'unit', unit: () => undefined };

/** Access to a variant written as a bare string: only a unit variant fits. */
const UNIT_VARIANT_ACCESS: VariantAccess = {
  unitVariant: () => undefined,
  newtypeVariant() {
    throw invalidType(unexpected.unitVariant, 'newtype variant');
  },
};

/** Access to a variant written as `{"variant": value}` (serde's and serde_json's `VariantDeserializer`). */
function valueVariantAccess(value: De): VariantAccess {
  return {
    unitVariant: () => void value.unit(UNIT_VISITOR),
    newtypeVariant: (seed) => seed(value),
  };
}

/** `visit_content_seq`: the visitor, then `SeqDeserializer::end`. */
function visitContentSeq<T>(items: Content[], v: Visitor<T>): T {
  let i = 0;
  let count = 0;
  const value = visit.seq(v, {
    nextElement<S>(seed: Seed<S>): Next<S> {
      if (i >= items.length) return NONE;
      count++;
      return seed(new ContentDe(items[i++]!));
    },
  });
  const remaining = items.length - i;
  if (remaining > 0) throw invalidLength(count + remaining, expectedIn(count, 'sequence'));
  return value;
}

/** `visit_content_map`: the visitor, then `MapDeserializer::end`. */
function visitContentMap<T>(pairs: [Content, Content][], v: Visitor<T>): T {
  let i = 0;
  let count = 0;
  let pending: Content | undefined;
  const value = visit.map(v, {
    nextKey<S>(seed: Seed<S>): Next<S> {
      if (i >= pairs.length) return NONE;
      count++;
      const [key, val] = pairs[i++]!;
      pending = val;
      return seed(new ContentDe(key));
    },
    nextValue<S>(seed: Seed<S>): S {
      const val = pending!;
      pending = undefined;
      return seed(new ContentDe(val));
    },
  });
  const remaining = pairs.length - i;
  if (remaining > 0) throw invalidLength(count + remaining, expectedIn(count, 'map'));
  return value;
}

// ---------------------------------------------------------------------------
// serde_json's `Value` as a Deserializer (`serde_json::from_value`)

/**
 * A JSON value as `serde_json::from_value` sees it. Accepts `JSON.parse`
 * output and {@link SerdeValue}s. A `SerdeNumber` says exactly what the
 * number is; a plain number is a float when it is `-0`, fractional or
 * beyond the integer range, and otherwise an integer (`JSON.parse` has
 * already lost `1.0` versus `1`, and digits beyond 2^53).
 */
function classifyNumber(n: number | SerdeNumber): ParserNumber {
  if (n instanceof SerdeNumber) {
    const big = n.toBigInt();
    return big === undefined ? { t: 'f64', v: n.value } : { t: n.kind === 'u64' ? 'u64' : 'i64', v: big };
  }
  if (Object.is(n, -0) || !Number.isInteger(n) || n >= 2 ** 64 || n < -(2 ** 63)) return { t: 'f64', v: n };
  return n >= 0 ? { t: 'u64', v: BigInt(n) } : { t: 'i64', v: BigInt(n) };
}

function isNumber(v: unknown): v is number | SerdeNumber {
  return typeof v === 'number' || v instanceof SerdeNumber;
}

function objectEntries(v: object): [string, unknown][] {
  return v instanceof SerdeObject ? [...v.entries()] : Object.entries(v);
}

function valueUnexpected(v: unknown): string {
  if (v === null) return UNIT;
  if (typeof v === 'boolean') return unexpected.bool(v);
  if (isNumber(v)) return numberUnexpected(classifyNumber(v));
  if (typeof v === 'string') return unexpected.str(v);
  return Array.isArray(v) ? unexpected.seq : unexpected.map;
}

class ValueDe implements De {
  constructor(private readonly v: unknown) {}

  private invalid(visitor: Visitor<unknown>): SerdeTypedError {
    return invalidType(valueUnexpected(this.v), visitor.expecting);
  }

  any<T>(visitor: Visitor<T>): T {
    const v = this.v;
    if (v === null) return visit.unit(visitor);
    if (typeof v === 'boolean') return visit.bool(visitor, v);
    if (isNumber(v)) return visitNumber(classifyNumber(v), visitor);
    if (typeof v === 'string') return visit.str(visitor, v);
    if (Array.isArray(v)) return visitArray(v, visitor);
    return visitObject(objectEntries(v as object), visitor);
  }

  bool<T>(visitor: Visitor<T>): T {
    if (typeof this.v === 'boolean') return visit.bool(visitor, this.v);
    throw this.invalid(visitor);
  }

  integer<T>(visitor: Visitor<T>): T {
    if (isNumber(this.v)) return visitNumber(classifyNumber(this.v), visitor);
    throw this.invalid(visitor);
  }

  string<T>(visitor: Visitor<T>): T {
    if (typeof this.v === 'string') return visit.str(visitor, this.v);
    throw this.invalid(visitor);
  }

  identifier<T>(visitor: Visitor<T>): T {
    return this.string(visitor);
  }

  option<T>(visitor: Visitor<T>): T {
    return this.v === null ? visit.none(visitor) : visit.some(visitor, this);
  }

  unit<T>(visitor: Visitor<T>): T {
    if (this.v === null) return visit.unit(visitor);
    throw this.invalid(visitor);
  }

  seq<T>(visitor: Visitor<T>): T {
    if (Array.isArray(this.v)) return visitArray(this.v, visitor);
    throw this.invalid(visitor);
  }

  struct<T>(visitor: Visitor<T>): T {
    const v = this.v;
    if (Array.isArray(v)) return visitArray(v, visitor);
    if (typeof v === 'object' && v !== null && !(v instanceof SerdeNumber)) return visitObject(objectEntries(v), visitor);
    throw this.invalid(visitor);
  }

  enum<T>(visitor: Visitor<T>): T {
    const v = this.v;
    let variant: string;
    let value: unknown;
    let hasValue = false;
    if (typeof v === 'string') variant = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof SerdeNumber)) {
      const entries = objectEntries(v);
      if (entries.length !== 1) throw invalidValue(unexpected.map, 'map with a single key');
      [variant, value] = entries[0]!;
      hasValue = true;
    } else throw invalidType(valueUnexpected(v), 'string or map');
    return visit.enum(visitor, {
      variant: <S>(seed: Seed<S>): [S, VariantAccess] => [
        seed(new ValueDe(variant)),
        hasValue ? valueVariantAccess(new ValueDe(value)) : UNIT_VARIANT_ACCESS,
      ],
    });
  }

  ignoredAny(): void {}

  content(): Content {
    return this.any(CONTENT_VISITOR);
  }
}

/** `visit_array`: the visitor, then "fewer elements in array" if it left some. */
function visitArray<T>(items: readonly unknown[], v: Visitor<T>): T {
  let i = 0;
  const value = visit.seq(v, {
    nextElement: <S>(seed: Seed<S>): Next<S> => (i < items.length ? seed(new ValueDe(items[i++])) : NONE),
  });
  if (i < items.length) throw invalidLength(items.length, 'fewer elements in array');
  return value;
}

/** `visit_object`: the visitor, then "fewer elements in map" if it left some. */
function visitObject<T>(entries: [string, unknown][], v: Visitor<T>): T {
  let i = 0;
  let pending: unknown;
  const value = visit.map(v, {
    nextKey<S>(seed: Seed<S>): Next<S> {
      if (i >= entries.length) return NONE;
      const [key, val] = entries[i++]!;
      pending = val;
      return seed(new ValueDe(key));
    },
    nextValue: <S>(seed: Seed<S>): S => seed(new ValueDe(pending)),
  });
  if (i < entries.length) throw invalidLength(entries.length, 'fewer elements in map');
  return value;
}

// ---------------------------------------------------------------------------
// Visitors of serde's own types

/** `ContentVisitor`. */
const CONTENT_VISITOR: Visitor<Content> = {
  expecting: 'any value',
  bool: (v) => ({ t: 'bool', v }),
  u64: (v) => ({ t: 'u64', v }),
  i64: (v) => ({ t: 'i64', v }),
  f64: (v) => ({ t: 'f64', v }),
  str: (v) => ({ t: 'str', v }),
  unit: () => ({ t: 'unit' }),
  seq(seq) {
    const items: Content[] = [];
    for (let c = seq.nextElement(contentSeed); c !== NONE; c = seq.nextElement(contentSeed)) items.push(c);
    return { t: 'seq', v: items };
  },
  map(map) {
    const pairs: [Content, Content][] = [];
    for (let k = map.nextKey(contentSeed); k !== NONE; k = map.nextKey(contentSeed)) {
      pairs.push([k, map.nextValue(contentSeed)]);
    }
    return { t: 'map', v: pairs };
  },
};

const contentSeed: Seed<Content> = (de) => de.content();

/** `IgnoredAny`. */
const IGNORED_ANY: Visitor<undefined> = {
  expecting: 'anything at all',
  bool: () => undefined,
  u64: () => undefined,
  i64: () => undefined,
  f64: () => undefined,
  str: () => undefined,
  unit: () => undefined,
  none: () => undefined,
  some(de) {
    de.ignoredAny();
    return undefined;
  },
  seq(seq) {
    while (seq.nextElement(ignoredSeed) !== NONE);
    return undefined;
  },
  map(map) {
    while (map.nextKey(ignoredSeed) !== NONE) map.nextValue(ignoredSeed);
    return undefined;
  },
};

const ignoredSeed: Seed<undefined> = (de) => {
  de.ignoredAny();
  return undefined;
};

/** How a JSON value visitor builds numbers and objects. */
interface ValueBuilder<V> {
  integer(v: bigint): V;
  float(v: number): V;
  object(entries: Iterable<[string, V]>): V;
}

/** `serde_json::Value`'s visitor, building values the way `build` says. */
function valueVisitor<V>(build: ValueBuilder<V>): { visitor: Visitor<V>; seed: Seed<V> } {
  const keyVisitor: Visitor<string> = { expecting: 'a string key', str: (s) => s };
  const seed: Seed<V> = (de) => de.any(visitor);
  const visitor: Visitor<V> = {
    expecting: 'any valid JSON value',
    bool: (v) => v as V,
    u64: (v) => build.integer(v),
    i64: (v) => build.integer(v),
    f64: (v) => build.float(v),
    str: (v) => v as V,
    unit: () => null as V,
    none: () => null as V,
    some: (de) => de.any(visitor),
    seq(seq) {
      const items: V[] = [];
      for (let v = seq.nextElement(seed); v !== NONE; v = seq.nextElement(seed)) items.push(v);
      return items as V;
    },
    map(map) {
      const entries: [string, V][] = [];
      for (let k = map.nextKey((de) => de.string(keyVisitor)); k !== NONE; k = map.nextKey((de) => de.string(keyVisitor))) {
        entries.push([k, map.nextValue(seed)]);
      }
      return build.object(entries);
    },
  };
  return { visitor, seed };
}

/** What `JSON.parse` would build (a repeated key keeps its last value). */
const { seed: valueSeed } = valueVisitor<unknown>({
  integer: (v) => Number(v),
  float: (v) => v,
  object(entries) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  },
});

/** `Value` itself, keeping what `JSON.parse` drops: `1.0` vs `1`, integers beyond 2^53, key order. */
const { seed: exactValueSeed } = valueVisitor<SerdeValue>({
  integer: (v) => serdeInteger(v),
  float: (v) => serdeFloat(v),
  object: (entries) => SerdeObject.fromEntries(entries),
});

// ---------------------------------------------------------------------------
// Visitors serde_derive generates, driven by RustType

const INTEGER_RANGES = {
  u32: [0n, 0xffff_ffffn],
  u64: [0n, U64_MAX],
  usize: [0n, U64_MAX],
  i32: [-(1n << 31n), (1n << 31n) - 1n],
  i64: [-(1n << 63n), (1n << 63n) - 1n],
} as const;

function integerVisitor(kind: keyof typeof INTEGER_RANGES): Visitor<number> {
  const [min, max] = INTEGER_RANGES[kind];
  return {
    expecting: kind,
    u64(v) {
      if (v <= max) return Number(v);
      throw invalidValue(unexpected.int(v), kind);
    },
    i64(v) {
      if (v >= min && v <= max) return Number(v);
      throw invalidValue(unexpected.int(v), kind);
    },
  };
}

const STRING_VISITOR: Visitor<string> = { expecting: 'a string', str: (s) => s };
const BOOL_VISITOR: Visitor<boolean> = { expecting: 'a boolean', bool: (b) => b };

/** The derived `__Field` visitor of a struct: known index, or `-1` for an ignored key. */
function fieldIdSeed(fields: readonly RustField[]): Seed<number> {
  const visitor: Visitor<number> = {
    expecting: 'field identifier',
    u64: (v) => (v < BigInt(fields.length) ? Number(v) : -1),
    str: (s) => fields.findIndex((f) => f.name === s),
  };
  return (de) => de.identifier(visitor);
}

/** The derived `__Field` visitor of an enum: the variant's index. */
function variantIdSeed(variants: readonly RustVariant[]): Seed<number> {
  const names = variants.map((v) => v.name);
  const visitor: Visitor<number> = {
    expecting: 'variant identifier',
    u64(v) {
      if (v < BigInt(names.length)) return Number(v);
      throw invalidValue(unexpected.int(v), `variant index 0 <= i < ${names.length}`);
    },
    str(s) {
      const i = names.indexOf(s);
      if (i < 0) throw unknownVariant(s, names);
      return i;
    },
  };
  return (de) => de.identifier(visitor);
}

/** Adds `field` to the diagnostic path of an error raised below it. */
function underField<T>(field: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isSerdeError(e)) e.path.unshift(field);
    throw e;
  }
}

function withPath(e: SerdeTypedError, field: string): SerdeTypedError {
  e.path.unshift(field);
  return e;
}

/** A derived struct (or struct variant) visitor; the result has the fields in declaration order. */
function structVisitor(fields: readonly RustField[], expecting: string, prefix?: Record<string, unknown>): Visitor<Record<string, unknown>> {
  const fieldSeed = fieldIdSeed(fields);
  const build = (values: unknown[]): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...prefix };
    fields.forEach((f, i) => (out[f.name] = values[i]));
    return out;
  };
  return {
    expecting,
    map(map) {
      const values: unknown[] = new Array<unknown>(fields.length);
      const seen: boolean[] = new Array<boolean>(fields.length).fill(false);
      for (let i = map.nextKey(fieldSeed); i !== NONE; i = map.nextKey(fieldSeed)) {
        if (i < 0) {
          map.nextValue(ignoredSeed);
          continue;
        }
        const field = fields[i]!;
        if (seen[i]) throw withPath(duplicateField(field.name), field.name);
        values[i] = underField(field.name, () => map.nextValue(typeSeed(field.type)));
        seen[i] = true;
      }
      fields.forEach((f, i) => {
        if (seen[i]) return;
        if ('default' in f) values[i] = f.default;
        // `__private::de::missing_field`: only `Option` tolerates a missing field.
        else if (f.type.kind !== 'option') throw withPath(missingField(f.name), f.name);
        else values[i] = null;
      });
      return build(values);
    },
    seq(seq) {
      const values: unknown[] = [];
      const withCount = `${expecting} with ${fields.length === 1 ? '1 element' : `${fields.length} elements`}`;
      fields.forEach((f, i) => {
        const value = underField(f.name, () => seq.nextElement(typeSeed(f.type)));
        // serde_derive's `visit_seq`: a `#[serde(default)]` field takes its default when the
        // elements run out; any other field (`Option` too) fails with its index.
        if (value === NONE && 'default' in f) values.push(f.default);
        else if (value === NONE) throw invalidLength(i, withCount);
        else values.push(value);
      });
      return build(values);
    },
  };
}

const typeSeeds = new WeakMap<RustType, Seed<unknown>>();

function typeSeed(type: RustType): Seed<unknown> {
  let seed = typeSeeds.get(type);
  if (!seed) {
    seed = makeSeed(type);
    typeSeeds.set(type, seed);
  }
  return seed;
}

function makeSeed(type: RustType): Seed<unknown> {
  switch (type.kind) {
    case 'u32':
    case 'u64':
    case 'usize':
    case 'i32':
    case 'i64': {
      const v = integerVisitor(type.kind);
      return (de) => de.integer(v);
    }
    case 'bool':
      return (de) => de.bool(BOOL_VISITOR);
    case 'string':
      return (de) => de.string(STRING_VISITOR);
    case 'value':
      return valueSeed;
    case 'exactValue':
      return exactValueSeed;
    case 'option': {
      const inner = typeSeed(type.inner);
      const v: Visitor<unknown> = { expecting: 'option', none: () => null, unit: () => null, some: inner };
      return (de) => de.option(v);
    }
    case 'vec': {
      const inner = typeSeed(type.inner);
      const v: Visitor<unknown[]> = {
        expecting: 'a sequence',
        seq(seq) {
          const items: unknown[] = [];
          for (let x = seq.nextElement(inner); x !== NONE; x = seq.nextElement(inner)) items.push(x);
          return items;
        },
      };
      return (de) => de.seq(v);
    }
    case 'struct': {
      const v = structVisitor(type.fields, `struct ${type.name}`);
      return (de) => de.struct(v);
    }
    case 'unitEnum':
      return unitEnumSeed(type.name, type.variants);
    case 'internallyTagged':
      return internallyTaggedSeed(type.name, type.tag, type.variants);
    case 'adjacentlyTagged':
      return adjacentlyTaggedSeed(type.name, type.tag, type.content, type.variants);
    case 'custom': {
      const inner = typeSeed(type.inner);
      return (de) => {
        const converted = type.convert(inner(de));
        if (!converted.ok) throw custom(converted.message);
        return converted.value;
      };
    }
  }
}

function unitEnumSeed(name: string, variants: readonly RustVariant[]): Seed<unknown> {
  const idSeed = variantIdSeed(variants);
  const v: Visitor<unknown> = {
    expecting: `enum ${name}`,
    enum(data) {
      const [i, access] = data.variant(idSeed);
      const variant = variants[i]!;
      if (variant.newtype) return { [variant.name]: access.newtypeVariant(typeSeed(variant.newtype)) };
      access.unitVariant();
      return variant.name;
    },
  };
  return (de) => de.enum(v);
}

const TAG = Symbol('tag');

/** `TaggedContentVisitor`, then the variant from `ContentDeserializer`. */
function internallyTaggedSeed(name: string, tag: string, variants: readonly RustVariant[]): Seed<unknown> {
  const idSeed = variantIdSeed(variants);
  const tagOrContent: Seed<typeof TAG | Content> = (de) =>
    de.any<typeof TAG | Content>({ ...CONTENT_VISITOR, str: (s) => (s === tag ? TAG : { t: 'str', v: s }) });
  const tagged: Visitor<{ tag: number; content: Content }> = {
    expecting: `internally tagged enum ${name}`,
    seq(seq) {
      const t = seq.nextElement(idSeed);
      if (t === NONE) throw missingField(tag);
      // `Content::deserialize(SeqAccessDeserializer::new(seq))`: the rest, as a sequence.
      const rest = CONTENT_VISITOR.seq!(seq);
      return { tag: t, content: rest };
    },
    map(map) {
      let t: number | undefined;
      const pairs: [Content, Content][] = [];
      for (let k = map.nextKey(tagOrContent); k !== NONE; k = map.nextKey(tagOrContent)) {
        if (k === TAG) {
          if (t !== undefined) throw duplicateField(tag);
          t = map.nextValue(idSeed);
        } else pairs.push([k, map.nextValue(contentSeed)]);
      }
      if (t === undefined) throw missingField(tag);
      return { tag: t, content: { t: 'map', v: pairs } };
    },
  };
  if (variants.some((v) => v.newtype)) throw new Error(`${name}: newtype variants are not supported`);
  const variantVisitors = variants.map((variant) =>
    variant.fields
      ? structVisitor(variant.fields, `struct variant ${name}::${variant.rust}`, { [tag]: variant.name })
      : internallyTaggedUnitVisitor(name, variant, tag),
  );
  return (de) => {
    const { tag: i, content } = de.any(tagged);
    return new ContentDe(content).any(variantVisitors[i]!);
  };
}

/** `InternallyTaggedUnitVisitor`. */
function internallyTaggedUnitVisitor(name: string, variant: RustVariant, tag: string): Visitor<unknown> {
  return {
    expecting: `unit variant ${name}::${variant.rust}`,
    seq: () => ({ [tag]: variant.name }),
    map(map) {
      while (map.nextKey(ignoredSeed) !== NONE) map.nextValue(ignoredSeed);
      return { [tag]: variant.name };
    },
  };
}

const OTHER = Symbol('other');
const CONTENT_KEY = Symbol('content');

/** The derived visitor of an adjacently tagged enum of unit variants (`deserialize_struct`). */
function adjacentlyTaggedSeed(name: string, tag: string, content: string, variants: readonly RustVariant[]): Seed<unknown> {
  if (variants.some((v) => v.fields)) throw new Error(`${name}: only unit variants are supported`);
  const idSeed = variantIdSeed(variants);
  const expecting = `adjacently tagged enum ${name}`;
  const keyVisitor: Visitor<typeof TAG | typeof CONTENT_KEY | typeof OTHER> = {
    expecting: `${rustDebugStr(tag)}, ${rustDebugStr(content)}, or other ignored fields`,
    str: (s) => (s === tag ? TAG : s === content ? CONTENT_KEY : OTHER),
  };
  const keySeed: Seed<typeof TAG | typeof CONTENT_KEY | typeof OTHER> = (de) => de.string(keyVisitor);
  const result = (i: number) => ({ [tag]: variants[i]!.name });
  /** `deserialize_untagged_variant` of a unit variant: `UntaggedUnitVisitor`. */
  const unitSeed = (i: number): Seed<unknown> => {
    const v: Visitor<unknown> = {
      expecting: `unit variant ${name}::${variants[i]!.rust}`,
      unit: () => result(i),
      none: () => result(i),
    };
    return (de) => de.any(v);
  };
  const nextRelevantKey = (map: MapAccess): Next<typeof TAG | typeof CONTENT_KEY> => {
    for (;;) {
      const k = map.nextKey(keySeed);
      if (k !== OTHER) return k;
      map.nextValue(ignoredSeed);
    }
  };
  const remainingKeys = (map: MapAccess, ret: unknown): unknown => {
    const k = nextRelevantKey(map);
    if (k === TAG) throw duplicateField(tag);
    if (k === CONTENT_KEY) throw duplicateField(content);
    return ret;
  };
  const v: Visitor<unknown> = {
    expecting,
    map(map) {
      const first = nextRelevantKey(map);
      if (first === TAG) {
        const field = map.nextValue(idSeed);
        const second = nextRelevantKey(map);
        if (second === TAG) throw duplicateField(tag);
        if (second === CONTENT_KEY) return remainingKeys(map, map.nextValue(unitSeed(field)));
        return result(field);
      }
      if (first === CONTENT_KEY) {
        const buffered = map.nextValue(contentSeed);
        const second = nextRelevantKey(map);
        if (second === TAG) {
          const field = map.nextValue(idSeed);
          return remainingKeys(map, unitSeed(field)(new ContentDe(buffered)));
        }
        if (second === CONTENT_KEY) throw duplicateField(content);
        throw missingField(tag);
      }
      throw missingField(tag);
    },
    seq(seq) {
      const field = seq.nextElement(idSeed);
      if (field === NONE) throw invalidLength(0, expecting);
      const ret = seq.nextElement(unitSeed(field));
      if (ret === NONE) throw invalidLength(1, expecting);
      return ret;
    },
  };
  return (de) => de.struct(v);
}

// ---------------------------------------------------------------------------
// Entry points

export type TypedResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerdeTypedError };

function run(type: RustType, bytes: Uint8Array, io: boolean): TypedResult {
  const de = new JsonDe(bytes, io);
  try {
    const value = typeSeed(type)(de);
    de.end();
    return { ok: true, value };
  } catch (e) {
    if (isSerdeError(e)) return { ok: false, error: e };
    throw e;
  }
}

/** `serde_json::from_str::<T>(text)`. */
export function deserializeStr(type: RustType, text: string): TypedResult {
  return run(type, new TextEncoder().encode(text), false);
}

/**
 * `serde_json::from_value::<T>(value)`: errors never carry a position.
 * `value` is `JSON.parse` output or a {@link SerdeValue} (exact numbers and
 * key order).
 */
export function deserializeValue(type: RustType, value: unknown): TypedResult {
  try {
    return { ok: true, value: typeSeed(type)(new ValueDe(value)) };
  } catch (e) {
    if (isSerdeError(e)) return { ok: false, error: e };
    throw e;
  }
}

/** `serde_json::from_reader::<_, T>(File)`: the bytes need not be UTF-8. */
export function deserializeReader(type: RustType, bytes: Uint8Array): TypedResult {
  return run(type, bytes, true);
}

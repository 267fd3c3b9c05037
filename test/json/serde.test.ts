/**
 * serde_json 1.0.87 (`preserve_order`, no `float_roundtrip`) parity.
 *
 * Every expected value below follows from serde_json's or ryu's source, as
 * the comments explain (`de.rs` = serde_json `src/de.rs`, `read.rs` =
 * `src/read.rs`, ryu = ryu 1.0 `src/pretty/mod.rs`). Error columns count
 * UTF-8 bytes: `error()` reports the offset after the byte just consumed,
 * `peek_error()` the offset one past the byte peeked (capped at the end).
 */
import { isLeft, isRight } from 'fp-ts/Either';
import fc from 'fast-check';
import {
  MAX_JSON_SUMMARY_BYTES,
  SerdeNumber,
  SerdeObject,
  SerdeValue,
  formatF64,
  fromJsValue,
  isFaithfulJsValue,
  parseSerdeJson,
  serdeAsI64,
  serdeAsString,
  serdeAsU64,
  serdeFloat,
  serdeGet,
  serdeInteger,
  serdeNumberKind,
  serdeToString,
  summarizeJson,
  toSerdeJson,
  truncateUtf8,
  utf8ByteLength,
} from '../../src/json/serde';

function parsed(text: string): SerdeValue {
  const result = parseSerdeJson(text);
  if (isLeft(result)) throw new Error(`unexpected error: ${result.left.message}`);
  return result.right;
}

const reprint = (text: string): string => toSerdeJson(parsed(text));

function errorOf(text: string): string {
  const result = parseSerdeJson(text);
  if (isRight(result)) throw new Error(`unexpectedly parsed: ${text}`);
  return result.left.message;
}

function numberOf(text: string): number | SerdeNumber {
  const value = parsed(text);
  if (typeof value !== 'number' && !(value instanceof SerdeNumber)) throw new Error('not a number');
  return value;
}

describe('number kinds', () => {
  it.each([
    // parse_number: no `.`/`e` and non-negative → ParserNumber::U64.
    ['0', 'u64'],
    ['18446744073709551615', 'u64'],
    // Negative integers whose magnitude is 1 ..= 2^63 → I64 (`wrapping_neg` is negative).
    ['-1', 'i64'],
    ['-9223372036854775808', 'i64'],
    // `-0`: (0 as i64).wrapping_neg() == 0 is not negative → F64(-(0 as f64)).
    ['-0', 'f64'],
    // Magnitude 2^63 + 1 wraps to a positive i64 → F64.
    ['-9223372036854775809', 'f64'],
    // One more than u64::MAX trips `overflow!` → parse_long_integer → F64.
    ['18446744073709551616', 'f64'],
    // Any fraction or exponent → parse_decimal / parse_exponent → F64.
    ['1.0', 'f64'],
    ['1e5', 'f64'],
    ['0.5', 'f64'],
  ])('%s is %s', (text, kind) => {
    expect(serdeNumberKind(numberOf(text))).toBe(kind);
  });
});

describe('number printing (itoa for integers, ryu format_finite for floats)', () => {
  it.each([
    // Integers print exactly, including beyond 2^53 where JSON.parse would round
    // (2^53 + 1 = 9007199254740993 becomes ...992 as a double).
    ['9007199254740993', '9007199254740993'],
    ['18446744073709551615', '18446744073709551615'],
    ['-9223372036854775808', '-9223372036854775808'],
    // ryu: value = digits × 10^k, kk = len + k. `0 <= k && kk <= 16` prints the
    // digits, k zeros and ".0".
    ['1.0', '1.0'],
    ['1e5', '100000.0'],
    ['1E+2', '100.0'],
    ['1e15', '1000000000000000.0'],
    // kk = 17 > 16 with one digit → "1e16"; with more digits → "d.ddde<kk-1>".
    ['1e16', '1e16'],
    ['1e21', '1e21'],
    ['1.5e300', '1.5e300'],
    // Zero is special-cased: the sign, then "0.0".
    ['-0', '-0.0'],
    ['-0.0', '-0.0'],
    ['0e5', '0.0'],
    // `0 < kk <= 16` with k < 0 → the digits with a dot inserted.
    ['123456789.125', '123456789.125'],
    // `-5 < kk <= 0` → "0." then -kk zeros then the digits.
    ['0.1', '0.1'],
    ['0.001', '0.001'],
    ['1e-5', '0.00001'],
    // kk = -6 is out of that range → exponent form, negative exponent with "-".
    ['1e-7', '1e-7'],
    // u64 overflow: significand 1844674407370955161 (further digits only bump the
    // exponent), times 10 → 1.8446744073709552e19 (17 digits, kk = 20).
    ['18446744073709551616', '1.8446744073709552e19'],
    ['-9223372036854775809', '-9.223372036854776e18'],
    // f64_from_parts: a non-zero value that overflows is an error, one that
    // underflows past 1e-308 steps to 0.0.
    ['1e-400', '0.0'],
    // Without `float_roundtrip` serde computes 7 * 1e23 in f64; 1e23 itself is
    // inexact, so the product lands one ulp below the double nearest 7e23.
    ['7e23', '6.999999999999999e23'],
    // Likewise 15 / 1e301 (10^301 is not a double either).
    ['1.5e-300', '1.4999999999999998e-300'],
    // Below 1e-308 serde first divides by 1e308, then by the rest of the
    // power: 123456789 / 1e308 / 1e22 loses digits to subnormal rounding.
    ['1e-320', '1e-320'],
    ['123456789e-330', '1.24e-322'],
    // 10^23 is not a double: (1e23 as f64) / 1e308 / 1e22 is not 1e-307.
    ['100000000000000000000000e-330', '1.0000000000000001e-307'],
    // parse_exponent_overflow: an exponent beyond i32::MAX is 0.0 when
    // negative or when the significand is zero (keeping the sign).
    ['1e-99999999999', '0.0'],
    ['-1e-99999999999', '-0.0'],
    ['0e99999999999', '0.0'],
  ])('%s prints as %s', (text, printed) => {
    expect(reprint(text)).toBe(printed);
  });

  it('keeps serde’s inexact float assembly where JSON.parse would round correctly', () => {
    // 7e23 as a double is exactly what JSON.parse returns; serde's is its predecessor.
    expect(7 * 1e23).not.toBe(7e23);
    // An integral float is boxed, so that it is never taken for an integer.
    const n = numberOf('7e23');
    expect(n instanceof SerdeNumber && n.kind === 'f64' ? n.value : n).toBe(7 * 1e23);
  });

  it('formats doubles with ryu’s layout', () => {
    expect(formatF64(5e-324)).toBe('5e-324');
    expect(formatF64(1.7976931348623157e308)).toBe('1.7976931348623157e308');
    // 2^53 has 16 digits, kk = 16 → still the plain "….0" form.
    expect(formatF64(2 ** 53)).toBe('9007199254740992.0');
    expect(formatF64(1.23e17)).toBe('1.23e17');
    expect(formatF64(-0.000123)).toBe('-0.000123');
    expect(formatF64(0.30000000000000004)).toBe('0.30000000000000004');
  });

  it('prints the shortest digits that round-trip', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Object.is(Number(formatF64(x)), x)).toBe(true);
      }),
    );
  });
});

describe('number accessors', () => {
  it('as_i64 accepts integers only, within i64', () => {
    expect(serdeAsI64(parsed('5'))).toBe(5);
    expect(serdeAsI64(parsed('-5'))).toBe(-5);
    // `5.0` is an F64: Number::as_i64 is None for floats.
    expect(serdeAsI64(parsed('5.0'))).toBeNull();
    expect(serdeAsI64(parsed('-0'))).toBeNull();
    // A u64 above i64::MAX is None too.
    expect(serdeAsI64(parsed('9223372036854775808'))).toBeNull();
    expect(serdeAsU64(parsed('9223372036854775808'))).toBe(2 ** 63);
    expect(serdeAsI64(parsed('"5"'))).toBeNull();
  });

  it('keeps big integers exact', () => {
    const n = numberOf('-9223372036854775808');
    expect(n).toBeInstanceOf(SerdeNumber);
    expect((n as SerdeNumber).toBigInt()).toBe(-(2n ** 63n));
  });

  it('boxes only what a plain number cannot say', () => {
    expect(serdeInteger(2n ** 64n - 1n).toString()).toBe('18446744073709551615');
    expect(serdeInteger(42n)).toBe(42);
    expect(toSerdeJson(serdeFloat(1))).toBe('1.0');
    expect(serdeFloat(0.5)).toBe(0.5);
    expect(() => serdeInteger(2n ** 64n)).toThrow(RangeError);
    expect(() => serdeFloat(Infinity)).toThrow(RangeError);
  });
});

describe('objects keep source order (IndexMap)', () => {
  it('does not hoist integer-like keys the way JavaScript objects do', () => {
    const text = '{"b":1,"10":2,"a":3,"0":4}';
    expect(Object.keys(JSON.parse(text))).toEqual(['0', '10', 'b', 'a']);
    expect(reprint(text)).toBe(text);
  });

  it('keeps the first position and the last value of a repeated key', () => {
    // Map::insert → IndexMap::insert replaces the value in place.
    expect(reprint('{"b":1,"0":2,"a":3,"b":4}')).toBe('{"b":4,"0":2,"a":3}');
  });

  it('does the same in big objects', () => {
    const keys = Array.from({ length: 20 }, (_, i) => `"k${i}":${i}`);
    const text = `{${keys.join(',')},"k3":"again","k19":null}`;
    const expected = `{${keys.map((k) => k.replace('"k3":3', '"k3":"again"').replace('"k19":19', '"k19":null')).join(',')}}`;
    expect(reprint(text)).toBe(expected);
  });

  it('looks up fields and elements like Value::get', () => {
    const value = parsed('{"a":[{"b":"x"}],"c":1}');
    expect(serdeAsString(serdeGet(serdeGet(serdeGet(value, 'a'), 0), 'b'))).toBe('x');
    expect(serdeGet(value, 'missing')).toBeUndefined();
    expect(serdeGet(value, 0)).toBeUndefined();
    expect(serdeGet(parsed('"s"'), 'a')).toBeUndefined();
  });

  it('inserts like IndexMap', () => {
    const object = SerdeObject.fromEntries([
      ['1', 1],
      ['0', 0],
      ['1', 'one'],
    ]);
    object.insert('x', null);
    expect([...object.entries()]).toEqual([
      ['1', 'one'],
      ['0', 0],
      ['x', null],
    ]);
    expect(object.has('0')).toBe(true);
  });
});

describe('strings', () => {
  it('decodes every escape and re-escapes only quote, backslash and C0 controls', () => {
    // parse_escape decodes \" \\ \/ \b \f \n \r \t \uXXXX. On output serde's
    // ESCAPE table covers only 0x00..=0x1F, `"` and `\`: `/`, U+007F and
    // non-ASCII are written raw, other controls as lowercase \u00XX.
    const text = String.raw`"\u00e9\/\u007f\u0001\u001F\b\f\n\r\t\"\\"`;
    expect(parsed(text)).toBe('é/\u007f\u0001\u001f\b\f\n\r\t"\\');
    expect(reprint(text)).toBe('"é/\u007f\\u0001\\u001f\\b\\f\\n\\r\\t\\"\\\\"');
  });

  it('accepts raw DEL and non-ASCII but not raw C0 controls', () => {
    expect(parsed('"\u007f中😀"')).toBe('\u007f中😀');
    // ESCAPE (read.rs) flags 0x00..=0x1F; the error follows the consumed byte.
    expect(errorOf('"a\u0001"')).toBe(
      'control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3',
    );
  });

  it('joins surrogate pairs in either case', () => {
    expect(parsed(String.raw`"\ud83d\ude00"`)).toBe('😀');
    expect(parsed(String.raw`"\uD83D\uDE00"`)).toBe('😀');
  });

  it('rejects lone surrogates, which JSON.parse accepts', () => {
    expect(JSON.parse(String.raw`"\ud800"`)).toBe('\ud800');
    // A leading surrogate not followed by `\`: the next byte is discarded, then error().
    expect(errorOf(String.raw`"\ud800"`)).toBe('unexpected end of hex escape at line 1 column 8');
    // Followed by `\` but not `u`: same, one byte later.
    expect(errorOf(String.raw`"\ud800\n"`)).toBe('unexpected end of hex escape at line 1 column 9');
    // A trailing surrogate first, or a non-trailing second escape, is a "lone leading surrogate".
    expect(errorOf(String.raw`"\udc00"`)).toBe('lone leading surrogate in hex escape at line 1 column 7');
    expect(errorOf(String.raw`"\ud800\u0041"`)).toBe('lone leading surrogate in hex escape at line 1 column 13');
  });

  it('rejects bad escapes', () => {
    expect(errorOf(String.raw`"\x"`)).toBe('invalid escape at line 1 column 3');
    // decode_hex_escape reports the byte after the first non-hex digit...
    expect(errorOf(String.raw`"\u12g4"`)).toBe('invalid escape at line 1 column 6');
    // ...but first needs 4 more bytes, else EOF at the end of input.
    expect(errorOf(String.raw`"\u12"`)).toBe('EOF while parsing a string at line 1 column 6');
    expect(errorOf('"abc')).toBe('EOF while parsing a string at line 1 column 4');
  });
});

describe('structure', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('allows 127 nested containers and fails on the 128th', () => {
    // remaining_depth starts at 128 and is decremented before each `[`/`{` is
    // consumed; reaching 0 — the 128th level — is RecursionLimitExceeded,
    // reported as a peek_error at that bracket.
    expect(isRight(parseSerdeJson(nested(127)))).toBe(true);
    expect(errorOf(nested(128))).toBe('recursion limit exceeded at line 1 column 128');
    expect(errorOf('{"a":'.repeat(128) + '1' + '}'.repeat(128))).toBe(
      'recursion limit exceeded at line 1 column 636',
    );
  });

  it('treats only space, tab, LF and CR as whitespace', () => {
    expect(reprint(' \t\n\r[ 1 ,\t2 ]\r\n ')).toBe('[1,2]');
    expect(errorOf('\f1')).toBe('expected value at line 1 column 1');
    // U+00A0 is two bytes; peek_error counts the first one.
    expect(errorOf('\u00a01')).toBe('expected value at line 1 column 1');
    expect(errorOf('1\u000b')).toBe('trailing characters at line 1 column 2');
  });

  it('rejects trailing characters after the value', () => {
    expect(errorOf('1 x')).toBe('trailing characters at line 1 column 3');
    expect(errorOf('[1]]')).toBe('trailing characters at line 1 column 4');
    // Columns count bytes: `"é"` is 4 bytes, then a space, then the peeked é.
    expect(errorOf('"é" é')).toBe('trailing characters at line 1 column 6');
  });

  it.each([
    ['', 'EOF while parsing a value at line 1 column 0'],
    // Right after a newline the column is 0.
    ['\n', 'EOF while parsing a value at line 2 column 0'],
    ['{"a":1\n', 'EOF while parsing an object at line 2 column 0'],
    ['[', 'EOF while parsing a list at line 1 column 1'],
    ['[1,', 'EOF while parsing a value at line 1 column 3'],
    ['[1,]', 'trailing comma at line 1 column 4'],
    ['{"a":1,}', 'trailing comma at line 1 column 8'],
    ['[1 2]', 'expected `,` or `]` at line 1 column 4'],
    ['{"a":1 "b":2}', 'expected `,` or `}` at line 1 column 8'],
    ['{"a" 1}', 'expected `:` at line 1 column 6'],
    ['{"a"', 'EOF while parsing an object at line 1 column 4'],
    ['{1:2}', 'key must be a string at line 1 column 2'],
    ['{,}', 'key must be a string at line 1 column 2'],
    ['[,1]', 'expected value at line 1 column 2'],
    ['tru', 'EOF while parsing a value at line 1 column 3'],
    ['trux', 'expected ident at line 1 column 4'],
    ['NaN', 'expected value at line 1 column 1'],
    ['+1', 'expected value at line 1 column 1'],
    ['.5', 'expected value at line 1 column 1'],
    ['// c\n1', 'expected value at line 1 column 1'],
    ['-', 'EOF while parsing a value at line 1 column 1'],
    ['-a', 'invalid number at line 1 column 2'],
    // Only one leading zero: peek_error at the second digit.
    ['01', 'invalid number at line 1 column 2'],
    ['-01', 'invalid number at line 1 column 3'],
    // parse_decimal needs a digit: peek_error at the next byte, or EOF.
    ['1.', 'EOF while parsing a value at line 1 column 2'],
    ['1.e5', 'invalid number at line 1 column 3'],
    ['1e', 'EOF while parsing a value at line 1 column 2'],
    ['1e+x', 'invalid number at line 1 column 4'],
    // f64_from_parts overflows: error() after the whole number.
    ['1e400', 'number out of range at line 1 column 5'],
    // An exponent beyond i32::MAX on a non-zero significand: error() right
    // after the digit that overflowed (214748364 * 10 + 8).
    ['1e2147483648', 'number out of range at line 1 column 12'],
    ['1e99999999999', 'number out of range at line 1 column 12'],
    // Positions are per line: the peeked `2` is the 7th byte of line 3.
    ['{\n  "a": 1,\n  "b" 2\n}', 'expected `:` at line 3 column 7'],
  ])('%j fails with %s', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('exposes the error code and position', () => {
    const result = parseSerdeJson('[1 2]');
    if (isRight(result)) throw new Error('expected an error');
    expect(result.left).toMatchObject({ code: 'ExpectedListCommaOrEnd', line: 1, column: 4 });
    expect(String(result.left)).toBe('expected `,` or `]` at line 1 column 4');
  });

  it('keeps serde’s fraction-digit quirk after a u64 overflow', () => {
    // parse_long_integer hands parse_decimal a positive exponent (one per
    // dropped digit), and parse_decimal's "at least one digit" check is
    // `exponent == 0`: with no fraction digits it is 1, so this parses...
    expect(() => JSON.parse('18446744073709551616.')).toThrow();
    expect(reprint('18446744073709551616.')).toBe('1.8446744073709552e19');
    // ...while one fraction digit that still fits the u64 brings it back to 0.
    expect(errorOf('18446744073709551616.5')).toBe('EOF while parsing a value at line 1 column 22');
  });
});

describe('serialization', () => {
  it('is compact and mirrors Value::to_string', () => {
    const text = '{ "a" : [ 1 , 2.5 , true , null , { } , [ ] ] , "b" : "x" }';
    expect(toSerdeJson(parsed(text))).toBe('{"a":[1,2.5,true,null,{},[]],"b":"x"}');
    expect(serdeToString(parsed(text))).toBe(toSerdeJson(parsed(text)));
  });
});

describe('summarizeJson', () => {
  const stringOfBytes = (prefix: string, total: number) => `{"k":"${prefix}${'a'.repeat(total - 8 - utf8ByteLength(prefix))}"}`;

  it('keeps summaries of up to 240 bytes whole', () => {
    expect(MAX_JSON_SUMMARY_BYTES).toBe(240);
    const exact = stringOfBytes('', 240);
    expect(utf8ByteLength(exact)).toBe(240);
    expect(summarizeJson(parsed(exact))).toBe(exact);
  });

  it('cuts longer ones at byte 240 and appends "..."', () => {
    const long = stringOfBytes('', 241);
    expect(summarizeJson(parsed(long))).toBe(`${long.slice(0, 240)}...`);
  });

  it('counts bytes, not UTF-16 units', () => {
    // `{"k":"` (6 bytes) + é (2 bytes) + 232 ASCII bytes = 240: a char boundary.
    const text = `{"k":"é${'a'.repeat(300)}"}`;
    expect(summarizeJson(parsed(text))).toBe(`{"k":"é${'a'.repeat(232)}...`);
  });

  it('backs off to a character boundary where Rust would panic (documented deviation)', () => {
    // 6 + 233 bytes, then é occupies bytes 239..=240: String::truncate(240) panics.
    const twoByte = `{"k":"${'a'.repeat(233)}é${'a'.repeat(50)}"}`;
    expect(summarizeJson(parsed(twoByte))).toBe(`{"k":"${'a'.repeat(233)}...`);
    // A 4-byte emoji over bytes 238..=241 is dropped whole, never split into a lone surrogate.
    const fourByte = `{"k":"${'a'.repeat(232)}😀${'a'.repeat(50)}"}`;
    expect(summarizeJson(parsed(fourByte))).toBe(`{"k":"${'a'.repeat(232)}...`);
  });
});

describe('UTF-8 helpers', () => {
  it('measures and truncates in bytes without splitting characters', () => {
    expect(utf8ByteLength('aé中😀')).toBe(1 + 2 + 3 + 4);
    expect(utf8ByteLength('aé中😀', 1, 3)).toBe(5);
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
    expect(truncateUtf8('abc', 10)).toBe('abc');
  });

  it('agrees with TextEncoder', () => {
    fc.assert(
      fc.property(fc.fullUnicodeString(), (s) => {
        expect(utf8ByteLength(s)).toBe(new TextEncoder().encode(s).length);
      }),
    );
  });
});

describe('fromJsValue / isFaithfulJsValue', () => {
  const viaJs = (text: string) => toSerdeJson(fromJsValue(JSON.parse(text)));

  it('accepts floats, strings and ordinary keys', () => {
    const text = '{"a":0.5,"01":[-2.25,"x",true,null],"-1":{"b":1.5e-10}}';
    expect(isFaithfulJsValue(JSON.parse(text))).toBe(true);
    expect(viaJs(text)).toBe(reprint(text));
  });

  it.each([
    // Integral numbers: the text may have said 1.0, 1e2 or -0.
    ['{"a":1}'],
    ['[1.0]'],
    ['[-0]'],
    ['[9007199254740993]'],
    // JavaScript moves integer-like keys first.
    ['{"b":0.5,"1":0.5}'],
    // serde rejects what JSON.parse turned into Infinity or a lone surrogate.
    ['[1e400]'],
    [String.raw`["\ud800"]`],
    [String.raw`{"\udc00":0.5}`],
    // serde's own float assembly does not return these doubles from their shortest digits.
    ['[1.2345678901234567e-300]'],
    ['[1.5e-300]'],
  ])('rejects %s', (text) => {
    expect(isFaithfulJsValue(JSON.parse(text))).toBe(false);
  });

  it('rejects nesting that hits serde’s recursion limit', () => {
    const nested = (depth: number) => '['.repeat(depth) + '0.5' + ']'.repeat(depth);
    expect(isFaithfulJsValue(JSON.parse(nested(127)))).toBe(true);
    expect(isFaithfulJsValue(JSON.parse(nested(128)))).toBe(false);
  });

  it('matches the faithful parser whenever it says so', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        const js = JSON.parse(text) as unknown;
        if (isFaithfulJsValue(js)) expect(toSerdeJson(fromJsValue(js))).toBe(reprint(text));
      }),
    );
  });

  it('converts numbers like serde_json::to_value', () => {
    expect(toSerdeJson(fromJsValue([5, -5, 0.5, -0, NaN, 2n ** 64n - 1n]))).toBe(
      '[5,-5,0.5,-0.0,null,18446744073709551615]',
    );
    expect(() => fromJsValue(undefined)).toThrow(TypeError);
  });
});

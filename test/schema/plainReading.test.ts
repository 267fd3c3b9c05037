/**
 * The serde emulator's shortcuts agree with the emulator.
 *
 * `plainReading` writes down the value serde builds for a plain JSON value,
 * and `decodeSerdeStr` uses it after `parseLikeSerde` for texts that
 * `JSON.parse` reads as serde does. Neither may ever differ from the
 * emulator (`deserializeValue`, `deserializeStr`), whose readings are
 * checked against the reference elsewhere (conformance and crafted cases,
 * the differential fuzzer). Inputs: every object and array in the fixture
 * bundles' payloads and event lines (and JSON texts inside their strings),
 * each also mutated the ways JSON.parse and serde part: numbers spelled as
 * floats, `-0`, integers beyond 2^53, missing and repeated keys, keys
 * JavaScript reorders, escapes, wrong types.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isRight, left } from 'fp-ts/Either';
import type * as t from 'io-ts';
import { SerdeNumber, SerdeObject } from '../../src/json/value';
import { parseLikeSerde } from '../../src/json/parseLikeSerde';
import { NOT_PLAIN, plainReading } from '../../src/schema/plainReading';
import * as rustTypes from '../../src/schema/rustTypes';
import { decodeSerdeStr, precisionMessage } from '../../src/schema/serdeErrors';
import { RustType, deserializeStr, deserializeValue } from '../../src/schema/serdeTyped';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const BUNDLE_SETS = ['synth', 'conformance', 'orderings'];

/** Every Rust type the schema describes, nested ones included. */
function allTypes(): RustType[] {
  const found = new Set<RustType>();
  const visit = (type: RustType): void => {
    if (found.has(type)) return;
    found.add(type);
    if (type.kind === 'option' || type.kind === 'vec' || type.kind === 'custom') visit(type.inner);
    if (type.kind === 'struct') type.fields.forEach((f) => visit(f.type));
    if (type.kind === 'internallyTagged' || type.kind === 'unitEnum' || type.kind === 'adjacentlyTagged') {
      for (const variant of type.variants) {
        variant.fields?.forEach((f) => visit(f.type));
        if (variant.newtype) visit(variant.newtype);
      }
    }
  };
  for (const exported of Object.values(rustTypes)) {
    if (typeof exported === 'object' && exported !== null && 'kind' in exported) visit(exported as RustType);
  }
  for (const type of rustTypes.RUST_TYPE_OF_CODEC.values()) visit(type);
  return [...found];
}

/**
 * What tells two values apart for a reading: keys, words that may be tags
 * or variant names, and the kinds of other strings and of numbers. Thousands
 * of conversation items then count as a few.
 */
function signature(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) => {
    if (typeof x === 'string') return /^[a-z_]{1,30}$/.test(x) ? x : '<string>';
    if (typeof x === 'number') return Object.is(x, -0) ? '<-0>' : Number.isSafeInteger(x) ? '<integer>' : '<number>';
    return x;
  });
}

/** Objects and arrays (with every subtree), and JSON texts found in strings, of the fixture bundles. */
function fixtureValues(): { values: unknown[]; texts: string[] } {
  const values = new Map<string, unknown>();
  const texts = new Map<string, string>();
  const addText = (text: string): void => {
    let key = text;
    try {
      key = signature(JSON.parse(text));
    } catch {
      // Kept whole: malformed texts are few.
    }
    if (!texts.has(key)) texts.set(key, text);
  };
  const collect = (v: unknown): void => {
    if (typeof v === 'string') {
      if (/^\s*[{[]/.test(v) && v.length < 20_000) {
        addText(v);
        try {
          collect(JSON.parse(v));
        } catch {
          // Not JSON after all: kept as a text only.
        }
      }
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const key = signature(v);
    if (key.length > 20_000 || values.has(key)) return;
    values.set(key, v);
    for (const child of Object.values(v)) collect(child);
  };
  for (const set of BUNDLE_SETS) {
    for (const name of fs.readdirSync(path.join(FIXTURES, set))) {
      const bundle = path.join(FIXTURES, set, name, 'bundle');
      const log = path.join(bundle, 'trace.jsonl');
      if (fs.existsSync(log)) {
        for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
          if (line.trim() === '') continue;
          addText(line);
          try {
            collect(JSON.parse(line));
          } catch {
            // Some cases hold malformed lines on purpose.
          }
        }
      }
      const payloads = path.join(bundle, 'payloads');
      if (!fs.existsSync(payloads)) continue;
      for (const file of fs.readdirSync(payloads)) {
        try {
          collect(JSON.parse(fs.readFileSync(path.join(payloads, file), 'utf8')));
        } catch {
          // Unreadable payloads are other tests' business.
        }
      }
    }
  }
  return { values: [...values.values()], texts: [...texts.values()] };
}

/** Deterministic variants of `v` on which JSON.parse and serde readings part, or plain readings must stop. */
function mutants(v: unknown): unknown[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [];
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record);
  const out: unknown[] = [{ ...record, '7': 'moved first' }, { ...record, unknown_field: [1.5, { x: -0 }] }];
  for (const key of keys.slice(0, 6)) {
    const { [key]: _dropped, ...rest } = record;
    out.push(rest);
    for (const replacement of [null, -0, 1.5, 2 ** 53, 4294967296, -1, 'text', true, [], {}]) {
      out.push({ ...record, [key]: replacement });
    }
  }
  return out;
}

/** A comparable form: key order, number kinds, `-0` and `SerdeValue` classes all show. */
function shape(v: unknown): unknown {
  if (v instanceof SerdeNumber) return { serdeNumber: v.toString() };
  if (v instanceof SerdeObject) return { serdeObject: [...v.entries()].map(([k, x]) => [k, shape(x)]) };
  if (Object.is(v, -0)) return { negativeZero: true };
  if (Array.isArray(v)) return v.map(shape);
  if (typeof v === 'object' && v !== null) return { object: Object.entries(v).map(([k, x]) => [k, shape(x)]) };
  return v;
}

const types = allTypes();
const { values, texts } = fixtureValues();

/** Whether `v` could be meant for `type`: shares a field name or the tag, so the pair is worth a try. */
function related(type: RustType, v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const keys = new Set(Array.isArray(v) ? [] : Object.keys(v));
  if (type.kind === 'struct') return type.fields.some((f) => keys.has(f.name));
  if (type.kind === 'internallyTagged') return keys.has(type.tag);
  return true;
}

/** At most `n` of `items`, evenly spaced. */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

describe('plainReading', () => {
  it('finds fixtures to read', () => {
    expect(types.length).toBeGreaterThan(20);
    expect(values.length).toBeGreaterThan(1000);
  });

  it('reads a value only as deserializeValue does, for every schema type and fixture value', () => {
    let plain = 0;
    let notPlain = 0;
    for (const type of types) {
      for (const base of spread(values.filter((v) => related(type, v)), 150)) {
        for (const v of [base, ...mutants(base)]) {
          const reading = plainReading(type, v);
          if (reading === NOT_PLAIN) {
            notPlain++;
            continue;
          }
          plain++;
          const emulated = deserializeValue(type, v);
          if (!emulated.ok) throw new Error(`plain reading of ${JSON.stringify(v)} where the emulator fails: ${emulated.error.message}`);
          expect(shape(reading)).toEqual(shape(emulated.value));
        }
      }
    }
    // Both outcomes are exercised, many times each.
    expect(plain).toBeGreaterThan(500);
    expect(notPlain).toBeGreaterThan(500);
  });
});

describe('decodeSerdeStr', () => {
  /** Texts JSON.parse and serde read apart: floats for integers, repeated keys, escapes, big integers, deep nesting. */
  function textMutants(text: string): string[] {
    return [
      text,
      text.replace(/:(\d+)([,}])/, ':$1.0$2'),
      text.replace(/:(\d+)([,}])/, ':12345678901234567$2'),
      text.replace(/:(\d+)([,}])/, ':-0$2'),
      text.replace(/^(\s*\{)("[^"]*":[^,{}[\]]*,)/, '$1$2$2'),
      text.replace(/"([a-z_]+)":/, (_, k: string) => `"${k.replace(/^./, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}":`),
      text.replace(/"([^"\\]*)"(?=[,}])/, '"\\ud800"'),
      // An object with a key JavaScript moves first, in place of the first few scalar values.
      ...[1, 2, 3].map((nth) => {
        let seen = 0;
        return text.replace(/("[a-z_]+":)("[^"]*"|-?\d+)/g, (whole, key: string) => (++seen === nth ? `${key}{"b":1,"7":2}` : whole));
      }),
      text.replace(/^(\s*\{)/, `$1"deep":${'['.repeat(120)}${']'.repeat(120)},`),
    ];
  }

  it('decodes a text only as the emulator does, for every codec with a Rust type', () => {
    let fast = 0;
    for (const [codec, rust] of rustTypes.RUST_TYPE_OF_CODEC) {
      for (const base of texts) {
        for (const text of textMutants(base)) {
          const parsed = parseLikeSerde(text);
          if (parsed !== undefined && plainReading(rust, parsed) !== NOT_PLAIN) fast++;
          const decoder = codec as t.Decoder<unknown, unknown>;
          const ours = decodeSerdeStr(decoder, text);
          const emulated = deserializeStr(rust, text);
          if (!emulated.ok) {
            expect(ours).toEqual(left(emulated.error.message));
            continue;
          }
          const decoded = decoder.decode(emulated.value);
          if (isRight(decoded)) expect(isRight(ours) && shape(ours.right)).toEqual(shape(decoded.right));
          else expect(ours).toEqual(left(precisionMessage(decoded.left, emulated.value)));
        }
      }
    }
    expect(fast).toBeGreaterThan(200);
  });
});

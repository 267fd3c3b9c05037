/**
 * `serde_json::Error` and the `serde::de::Error` constructors the emulator
 * raises (`custom`, `invalid_type`, `invalid_value`, `invalid_length`,
 * `missing_field`, `duplicate_field`, `unknown_variant`), with serde's
 * `Unexpected`, `OneOf` and `ExpectedInSeq`/`ExpectedInMap` displays
 * (serde 1.0.152 `de/mod.rs` and `de/value.rs`, serde_json 1.0.87
 * `error.rs`), so that every message is serde's character for character.
 * The syntax messages are `../../json/error.ts`'s, shared with the JSON
 * reader.
 */
import { SERDE_SYNTAX_MESSAGES } from '../../json/error';
import { rustDebugStr, rustDisplayF64 } from '../rustFormat';

export const SYNTAX = SERDE_SYNTAX_MESSAGES;
export type SyntaxCode = keyof typeof SYNTAX;

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

export function isSerdeError(e: unknown): e is SerdeTypedError {
  return e instanceof SerdeTypedError;
}

/** `Unexpected::Unit`, which serde_json's `invalid_type` prints as `null`. */
export const UNIT = 'unit value';

/** serde's `Unexpected` `Display`, for the values JSON can produce. */
export const unexpected = {
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

export function custom(message: string): SerdeTypedError {
  return new SerdeTypedError(message);
}

/** serde_json's `de::Error::invalid_type` (its override prints `Unexpected::Unit` as `null`). */
export function invalidType(unexp: string, expected: string): SerdeTypedError {
  return custom(`invalid type: ${unexp === UNIT ? 'null' : unexp}, expected ${expected}`);
}

export function invalidValue(unexp: string, expected: string): SerdeTypedError {
  return custom(`invalid value: ${unexp}, expected ${expected}`);
}

export function invalidLength(len: number, expected: string): SerdeTypedError {
  return custom(`invalid length ${len}, expected ${expected}`);
}

export function missingField(field: string): SerdeTypedError {
  return custom(`missing field \`${field}\``);
}

export function duplicateField(field: string): SerdeTypedError {
  return custom(`duplicate field \`${field}\``);
}

/** serde's `OneOf`. */
function oneOf(names: readonly string[]): string {
  if (names.length === 1) return `\`${names[0]}\``;
  if (names.length === 2) return `\`${names[0]}\` or \`${names[1]}\``;
  return `one of ${names.map((n) => `\`${n}\``).join(', ')}`;
}

export function unknownVariant(variant: string, expected: readonly string[]): SerdeTypedError {
  if (expected.length === 0) return custom(`unknown variant \`${variant}\`, there are no variants`);
  return custom(`unknown variant \`${variant}\`, expected ${oneOf(expected)}`);
}

/** `ExpectedInSeq` / `ExpectedInMap`. */
export function expectedIn(count: number, what: 'sequence' | 'map'): string {
  return count === 1 ? `1 element in ${what}` : `${count} elements in ${what}`;
}

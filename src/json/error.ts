/**
 * serde_json 1.0.87 syntax errors: the `ErrorCode`s the `Value` parser can
 * raise, their `Display` text (`src/error.rs`) and their position
 * (`SliceRead::position_of_index` in `src/read.rs`).
 */
import { utf8ByteLength } from './utf8';

/** serde_json's syntax error texts, by `ErrorCode` variant. */
export const SERDE_SYNTAX_MESSAGES = {
  EofWhileParsingList: 'EOF while parsing a list',
  EofWhileParsingObject: 'EOF while parsing an object',
  EofWhileParsingString: 'EOF while parsing a string',
  EofWhileParsingValue: 'EOF while parsing a value',
  ExpectedColon: 'expected `:`',
  ExpectedListCommaOrEnd: 'expected `,` or `]`',
  ExpectedObjectCommaOrEnd: 'expected `,` or `}`',
  ExpectedSomeIdent: 'expected ident',
  ExpectedSomeValue: 'expected value',
  InvalidEscape: 'invalid escape',
  InvalidNumber: 'invalid number',
  NumberOutOfRange: 'number out of range',
  InvalidUnicodeCodePoint: 'invalid unicode code point',
  ControlCharacterWhileParsingString: 'control character (\\u0000-\\u001F) found while parsing a string',
  KeyMustBeAString: 'key must be a string',
  LoneLeadingSurrogateInHexEscape: 'lone leading surrogate in hex escape',
  TrailingComma: 'trailing comma',
  TrailingCharacters: 'trailing characters',
  UnexpectedEndOfHexEscape: 'unexpected end of hex escape',
  RecursionLimitExceeded: 'recursion limit exceeded',
} as const;

/** serde_json's `ErrorCode` variant names (syntax errors only). */
export type SerdeErrorCode = keyof typeof SERDE_SYNTAX_MESSAGES;

/** A serde_json syntax error; `message` is its `Display` text. */
export class SerdeJsonError {
  constructor(
    readonly code: SerdeErrorCode,
    /** 1-based line. */
    readonly line: number,
    /** UTF-8 bytes since the last newline; 0 right after a newline or in empty input. */
    readonly column: number,
  ) {}

  /** `<message> at line L column C`, exactly as serde_json displays it. */
  get message(): string {
    return `${SERDE_SYNTAX_MESSAGES[this.code]} at line ${this.line} column ${this.column}`;
  }

  toString(): string {
    return this.message;
  }
}

/**
 * Builds the error serde_json reports for a failure at UTF-16 index `index`.
 *
 * serde_json works on bytes and reports the position after a byte offset.
 * `Deserializer::error` follows a consumed byte and `peek_error` points one
 * byte past the peeked byte, so both come down to "the bytes before `index`,
 * plus the first byte of the character at `index`" (`withCharAt`), except at
 * the end of input and for errors raised after whole characters were read.
 */
export function serdeErrorAt(text: string, code: SerdeErrorCode, index: number, withCharAt: boolean): SerdeJsonError {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < index; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  let column = utf8ByteLength(text, lineStart, index);
  if (withCharAt && index < text.length) {
    if (text.charCodeAt(index) === 0x0a) {
      line++;
      column = 0;
    } else column++;
  }
  return new SerdeJsonError(code, line, column);
}

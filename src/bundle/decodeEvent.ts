/**
 * One line of `trace.jsonl` to a typed raw event, or a located error.
 *
 * The reference skips blank lines (still counting them) and reports any
 * other unparsable line as `parse trace event line N: <serde error>`.
 */
import { isLeft } from 'fp-ts/Either';
import { parseSerdeJson } from '../json/serde';
import { ReplayError } from '../reducer/errors';
import { SERDE_SUSPECT } from '../reducer/payloads';
import type { LocatedEvent } from '../reducer/operator';
import { RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import { RawTraceEvent } from '../schema/rawEvent';
import { errorPath, serdeMessage } from '../schema/serdeErrors';

/** Rust's `char::is_whitespace` (Unicode White_Space; unlike JS `trim`, not U+FEFF). */
const RUST_BLANK = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** True for lines the reference skips. */
export function isBlankLine(text: string): boolean {
  return RUST_BLANK.test(text);
}

/** Decodes a non-blank line; throws a `ReplayError` naming the line (and seq, when readable). */
export function decodeEventLine(text: string, line: number): LocatedEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw lineError(text, line, strictMessage(text));
  }
  if (SERDE_SUSPECT.test(text)) {
    const strict = parseSerdeJson(text);
    if (isLeft(strict)) throw lineError(text, line, strict.left.message);
  }
  const decoded = RawTraceEvent.decode(value);
  if (isLeft(decoded)) {
    throw lineError(text, line, serdeMessage(decoded.left, value), errorPath(decoded.left, value), value);
  }
  return { line, event: decoded.right };
}

function strictMessage(text: string): string {
  const strict = parseSerdeJson(text);
  return isLeft(strict) ? strict.left.message : 'invalid JSON';
}

function lineError(text: string, line: number, message: string, field?: string, value?: unknown): ReplayError {
  const seq = (value as { seq?: unknown } | undefined)?.seq;
  return new ReplayError(`parse trace event line ${line}: ${message}`, {
    file: RAW_EVENT_LOG_FILE_NAME,
    line,
    seq: typeof seq === 'number' ? seq : undefined,
    detail: field ? `field ${field}` : text.length === 0 ? undefined : undefined,
  });
}

/**
 * `serde_json::to_string` of a `Value` (compact, `preserve_order`).
 *
 * serde_json escapes `"`, `\` and U+0000..=U+001F (`\b \f \n \r \t`, else
 * `\u00XX` in lowercase hex) and writes everything else raw, including `/`,
 * U+007F and non-ASCII. `JSON.stringify` on a string does exactly the same
 * for every string serde can hold (it only differs on lone surrogates, which
 * serde_json never produces), so it is used for strings and keys.
 */
import { SerdeNumber, SerdeObject, SerdeValue, serdeNumberToString } from './value';

export function toSerdeJson(value: SerdeValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || value instanceof SerdeNumber) return serdeNumberToString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof SerdeObject) return objectToJson(value);
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ',';
    out += toSerdeJson(value[i]);
  }
  return out + ']';
}

/** `Value`'s `Display` (`value.to_string()`), which is the same compact text as `serde_json::to_string`. */
export const serdeToString: (value: SerdeValue) => string = toSerdeJson;

function objectToJson(object: SerdeObject): string {
  let out = '{';
  for (let i = 0; i < object.size; i++) {
    if (i > 0) out += ',';
    out += JSON.stringify(object.keyAt(i));
    out += ':';
    out += toSerdeJson(object.valueAt(i));
  }
  return out + '}';
}

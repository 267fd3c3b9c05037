/**
 * `text` as one terminal line: control characters shown escaped (`\n`,
 * `\u001b`), never acted on. Errors quote trace text (a payload path, an
 * unknown variant), in which a newline broke the promised single line and an
 * escape sequence reached the terminal. For every diagnostic the CLI and
 * `serve` write to stderr (file and directory names are trace text too).
 */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** esbuild's `text` loader: a stylesheet imports as its source text. */
declare module '*.css' {
  const source: string;
  export default source;
}

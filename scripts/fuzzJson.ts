/**
 * JSON helpers shared by the differential fuzzer's mutators
 * (`differential.ts`, `semantic.ts`): a seeded generator, and paths into a
 * parsed JSON value.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonPath = (string | number)[];

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of `from`, drawn with `rand`. */
export function pick<T>(from: readonly T[], rand: () => number): T {
  return from[Math.floor(rand() * from.length)]!;
}

/** The path of every node below `value` (not `value` itself), depth first. */
export function paths(value: Json, prefix: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)) {
      const p = [...prefix, k];
      out.push(p);
      paths(v as Json, p, out);
    }
  }
  return out;
}

/** Every string inside `value`, added to `out`. */
export function strings(value: Json, out: Set<string>): Set<string> {
  if (typeof value === 'string') out.add(value);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v as Json, out);
  return out;
}

/** Sets the node at `p` (non-empty) to `replacement`, or removes it when `replacement` is `undefined`. */
export function setAt(root: Json, p: JsonPath, replacement: Json | undefined): void {
  let node = root as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  const last = p[p.length - 1]!;
  if (replacement === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = replacement;
}

export function getAt(root: Json, p: JsonPath): Json {
  let node = root as Json;
  for (const k of p) node = (node as Record<string | number, Json>)[k]!;
  return node;
}

/** `text` parsed, or `undefined` when an earlier mutation left it invalid. */
export function parsed(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/** A deep copy. */
export function copyJson<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

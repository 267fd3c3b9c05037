/**
 * serde's `ContentDeserializer` (serde 1.0.152 `private/de.rs`): internally
 * tagged enums buffer their object into `Content` first and deserialize the
 * variant from it (so do adjacently tagged ones whose content comes before
 * the tag), with no positions; `visit_content_seq` and `visit_content_map`
 * then check that the visitor took every element.
 */
import {
  type Content,
  type De,
  NONE,
  type Next,
  type Seed,
  UNIT_VARIANT_ACCESS,
  type VariantAccess,
  type Visitor,
  valueVariantAccess,
  visit,
} from './de';
import { SerdeTypedError, UNIT, expectedIn, invalidLength, invalidType, invalidValue, unexpected } from './errors';

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

export class ContentDe implements De {
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

/** Paths joined as the reference displays them (`Path::join`), which its error messages quote. */
import { rustJoin } from '../../src/bundle/ioErrors';

describe('rustJoin', () => {
  it('adds one separator, keeping the directory as written', () => {
    expect(rustJoin('bundle', 'manifest.json')).toBe('bundle/manifest.json');
    expect(rustJoin('bundle/', 'manifest.json')).toBe('bundle/manifest.json');
    expect(rustJoin('/', 'manifest.json')).toBe('/manifest.json');
  });

  it('joins onto an empty directory as Rust does: the name alone, in the current directory (it read /manifest.json)', () => {
    // `Path::new("").join("manifest.json")` is `manifest.json`.
    expect(rustJoin('', 'manifest.json')).toBe('manifest.json');
  });
});

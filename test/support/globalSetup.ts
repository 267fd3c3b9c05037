/**
 * Before any test: the viewer's browser scripts rebuilt if older than their
 * sources, so the browser tests and the server serve the viewer as the
 * sources are (the server itself only reads what the build wrote).
 */
import { ensureViewerBundle } from '../../src/viewer/build';

export default async function globalSetup(): Promise<void> {
  await ensureViewerBundle();
}

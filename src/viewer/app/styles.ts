/** The viewer's stylesheet, shared by the page and every shadow root (constructed once). */
import css from './viewer.css';

let sheet: CSSStyleSheet | null = null;

export function viewerStyles(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
  }
  return sheet;
}

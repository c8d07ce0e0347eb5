import { showControls } from '../util/visible.js';

/**
 * Escapes text for XML and HTML element content and quoted attribute values (JUnit, the HTML receipt). Control
 * characters (which XML 1.0 forbids, and which probe output may carry) are shown as `\x1b`, as in every format;
 * the non-characters U+FFFE/U+FFFF are dropped.
 */
export function escapeMarkup(text: string): string {
  return showControls(text)
    .replace(/[\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

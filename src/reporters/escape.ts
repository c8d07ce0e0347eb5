/**
 * Escapes text for XML and HTML element content and quoted attribute values (JUnit, the HTML receipt). Control
 * characters that XML 1.0 forbids, DEL and the non-characters U+FFFE/U+FFFF are dropped.
 */
export function escapeMarkup(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
  );
}

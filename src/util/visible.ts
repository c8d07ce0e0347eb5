/** C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional overrides that reorder what is shown. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

const escapeOne = (ch: string): string => {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * Renders control characters visibly (`\x1b`, `\x07`, `\u202e`), so text from probes — a server's body, a
 * command's output — can never move the cursor, repaint a line, set the clipboard (OSC 52) or reorder what a reader
 * sees. `newlines: false` also shows line feeds as `\n` (one line of a terminal report must stay one line).
 */
export function showControls(text: string, o: { newlines?: boolean } = {}): string {
  const shown = text.replace(CONTROL, escapeOne);
  return o.newlines === false ? shown.replace(/\n/g, '\\n') : shown;
}

import { RE2JS } from 're2js';

/** Flags a checklist regex may carry: `i` case-insensitive, `m` multi-line `^`/`$`, `s` `.` matches newline; `u` is accepted (matching is always by code point). */
const FLAGS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0 };

/** A pattern that is not valid in the RE2 dialect, or a flag sfdeploy does not support. */
export class RegexSyntaxError extends Error {}

/**
 * A regular expression matched in time linear in the input (RE2 semantics, via re2js): no backreferences and no
 * lookaround, so no pattern can block the run however the observed text looks.
 */
export class SafeRegex {
  readonly source: string;
  readonly flags: string;
  readonly #re: RE2JS;

  constructor(source: string, flags = '') {
    let bits = 0;
    for (const f of new Set(flags)) {
      const bit = FLAGS[f];
      if (bit === undefined) throw new RegexSyntaxError(`unsupported regex flag "${f}" (supported: i, m, s)`);
      bits |= bit;
    }
    try {
      this.#re = RE2JS.compile(source, bits);
    } catch (e) {
      throw new RegexSyntaxError(
        `${(e as Error).message.replace(/^error parsing regexp: /, '')} (the RE2 dialect: no backreferences or lookaround)`,
      );
    }
    this.source = source;
    this.flags = [...new Set(flags)]
      .filter((f) => f !== 'u')
      .sort()
      .join('');
  }

  /** True when the pattern matches somewhere in `text`. */
  test(text: string): boolean {
    return this.#re.test(text);
  }

  toString(): string {
    return `/${this.source}/${this.flags}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

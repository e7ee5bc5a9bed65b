/**
 * What `sync` prints or returns as --json passes through one `OutputFilter`, because much of it
 * comes from the server (lint messages, error bodies, X-Error, schedule descriptions, job
 * names) and a server may echo the token back or send terminal escapes:
 *
 * - every credential mlgen holds (the token, Jenkins' `user:token` in base64, their URL
 *   encodings) is replaced by `[redacted]`;
 * - the userinfo of any URL (`https://user:token@host`) is replaced by `[redacted]`;
 * - control characters (C0, DEL, C1) and bidirectional overrides are written as `\u{…}`
 *   escapes, so a string can neither move the cursor, set the window title, nor fake a line.
 */

export const REDACTED = '[redacted]';

/** C0 (tabs and newlines included: a printed line stays one line), DEL, C1, bidi controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

export function escapeControls(text: string): string {
  return text.replace(CONTROL, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/** The forms a credential may come back in. Short values are skipped: they would redact words. */
function formsOf(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]);
  return [...forms].filter((f) => f.length >= 6);
}

export class OutputFilter {
  private readonly secrets: string[];

  constructor(secrets: readonly string[]) {
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...new Set(secrets.flatMap(formsOf))].sort((a, b) => b.length - a.length);
  }

  /** Credentials and URL userinfo out; control characters kept only as escapes. */
  text(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
    return escapeControls(out);
  }

  /** `value` with `text` applied to every string in it (keys included): for --json. */
  value<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.value(item)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.text(k), this.value(v)])) as T;
    }
    return value;
  }
}

/**
 * A Git remote URL without credentials: for http(s), the whole userinfo goes (a CI clone's
 * origin is `https://gitlab-ci-token:<token>@host/...`); for ssh, the password (the user
 * name, such as `git`, is how ssh finds the account, not a secret).
 */
export function withoutCredentials(gitUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(gitUrl);
  } catch {
    return gitUrl; // scp-like `git@host:path` has no password to carry
  }
  if (!parsed.username && !parsed.password) return gitUrl;
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    parsed.username = '';
    parsed.password = '';
  } else {
    parsed.password = '';
  }
  return parsed.href;
}

/** Whether a Git URL carries a credential (`withoutCredentials` would change it). */
export function carriesCredentials(gitUrl: string): boolean {
  return withoutCredentials(gitUrl) !== gitUrl;
}

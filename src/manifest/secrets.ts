/**
 * Values that look like credentials. A manifest is committed; a token in it is leaked.
 * Only well-known shapes and long random-looking words are flagged, so commands stay usable.
 */
export interface SecretLikeValue {
  path: (string | number)[];
  kind: string;
  /** The credential is the last key of `path` (e.g. under overrides), not its value. */
  inKey?: boolean;
}

const KNOWN_PREFIXES: readonly [RegExp, string][] = [
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/, 'a GitHub token'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}/, 'a GitHub token'],
  [/\bglpat-[A-Za-z0-9_-]{16,}/, 'a GitLab token'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bsk-[A-Za-z0-9_-]{20,}/, 'an API secret key'],
  [/\bhf_[A-Za-z0-9]{30,}/, 'a Hugging Face token'],
];

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

function looksRandom(word: string): boolean {
  if (word.length < 32 || /^[0-9a-f]{40}$/.test(word)) return false; // commit SHAs are fine
  if (!/[0-9]/.test(word) || !/[A-Za-z]/.test(word)) return false;
  if (/[/.]/.test(word) && !/^[A-Za-z0-9+/=]+$/.test(word)) return false; // paths and URLs
  return entropy(word) > 4.2;
}

export function secretKind(value: string): string | undefined {
  for (const [pattern, kind] of KNOWN_PREFIXES) if (pattern.test(value)) return kind;
  for (const word of value.split(/[\s"'=:,;@]+/)) if (looksRandom(word)) return 'a long random-looking string';
  return undefined;
}

/** Every string value and every mapping key that looks like a credential, with its path. */
export function findSecretLikeValues(data: unknown, path: (string | number)[] = []): SecretLikeValue[] {
  if (typeof data === 'string') {
    const kind = secretKind(data);
    return kind ? [{ path, kind }] : [];
  }
  if (Array.isArray(data)) return data.flatMap((item, i) => findSecretLikeValues(item, [...path, i]));
  if (data !== null && typeof data === 'object') {
    return Object.entries(data).flatMap(([key, value]) => {
      // Keys are written into generated files too (overrides are copied as they are).
      const kind = secretKind(key);
      const here = kind ? [{ path: [...path, key], kind, inKey: true }] : [];
      return [...here, ...findSecretLikeValues(value, [...path, key])];
    });
  }
  return [];
}

/** What replaces a credential-looking word in anything mlgen prints. */
const REDACTED = '[redacted]';

/**
 * `text` with every credential-looking word replaced by asterisks of the same length, so line
 * and column positions stay right. For showing a manifest's lines (and any message that quotes
 * the manifest) without repeating a token that should never have been there.
 */
export function maskCredentials(text: string): string {
  let out = text;
  for (const [pattern] of KNOWN_PREFIXES) out = out.replace(new RegExp(pattern.source, 'g'), (m) => '*'.repeat(m.length));
  return out.replace(/[^\s"'=:,;@]+/g, (word) => (looksRandom(word) ? '*'.repeat(word.length) : word));
}

/** `text` with every credential-looking word replaced by REDACTED: for messages and key paths. */
export function redactCredentials(text: string): string {
  return secretKind(text) === undefined ? text : maskCredentials(text).replace(/\*{8,}/g, REDACTED);
}

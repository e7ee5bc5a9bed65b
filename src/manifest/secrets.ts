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

/**
 * The credential formats mlgen knows, one row each: its name (tests and SECURITY.md use it),
 * what the message calls it, and its shape. tests/manifest/secret-patterns.test.ts holds an
 * example of every row and a realistic near miss for most.
 */
export interface CredentialPattern {
  name: string;
  kind: string;
  pattern: RegExp;
}

export const CREDENTIAL_PATTERNS: readonly CredentialPattern[] = [
  { name: 'github-token', kind: 'a GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{20,}/ },
  { name: 'github-fine-grained', kind: 'a GitHub token', pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}/ },
  // Personal, deploy, trigger, runner, CI job, OAuth, feed, incoming-mail, agent tokens.
  { name: 'gitlab-token', kind: 'a GitLab token', pattern: /\bgl(?:pat|dt|ptt|rt|cbt|soat|oas|ft|imt|agent|ffct|wt)-[A-Za-z0-9_-]{16,}/ },
  { name: 'aws-access-key', kind: 'an AWS access key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'slack-token', kind: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'slack-webhook', kind: 'a Slack webhook URL', pattern: /\bhooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,}/ },
  { name: 'discord-webhook', kind: 'a Discord webhook URL', pattern: /\bdiscord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,}/ },
  { name: 'teams-webhook', kind: 'a Microsoft Teams webhook URL', pattern: /\.webhook\.office\.com\/webhookb2\/[A-Za-z0-9@/-]{20,}|\.logic\.azure\.com(?::443)?\/workflows\/\S*[?&]sig=[A-Za-z0-9_%-]{20,}/ },
  { name: 'jwt', kind: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  // A password written into a URL; `https://user:$PASSWORD@host` names a variable and is fine.
  { name: 'url-password', kind: 'a password in a URL', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/$]+:(?![$%])[^\s@/]+@/i },
  { name: 'azure-client-secret', kind: 'an Azure client secret', pattern: /(?:^|[^A-Za-z0-9_~.-])[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/ },
  { name: 'docker-hub-token', kind: 'a Docker Hub access token', pattern: /\bdckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}/ },
  { name: 'sendgrid-key', kind: 'a SendGrid API key', pattern: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}/ },
  { name: 'private-key', kind: 'a private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'api-secret-key', kind: 'an API secret key', pattern: /\bsk-[A-Za-z0-9_-]{20,}/ },
  { name: 'hugging-face-token', kind: 'a Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{30,}/ },
  // 32 or 64 hex digits with letters and digits: API keys. A digest after `sha256:` or `md5:`, or
  // in a checksum line (`<hex>  <file>`, as sha256sum writes it), is not one.
  { name: 'hex-key', kind: 'a hex-encoded key', pattern: /(?<![0-9A-Za-z:=@-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])(?:[0-9a-f]{64}|[0-9a-f]{32})(?![0-9A-Za-z]| {2}| \*)/ },
];

const KNOWN_PREFIXES: readonly [RegExp, string][] = CREDENTIAL_PATTERNS.map((p) => [p.pattern, p.kind]);

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

/** A word, and the segments of it between `/`, `?`, `&` and `#` (a token inside a URL path). */
const wordsOf = (value: string): string[] =>
  value.split(/[\s"'=:,;@]+/).flatMap((word) => [word, ...(/[/?&#]/.test(word) ? word.split(/[/?&#]+/).filter((part) => /^[A-Za-z0-9+_]+$/.test(part)) : [])]);

export function secretKind(value: string): string | undefined {
  for (const [pattern, kind] of KNOWN_PREFIXES) if (pattern.test(value)) return kind;
  for (const word of wordsOf(value)) if (looksRandom(word)) return 'a long random-looking string';
  return undefined;
}

/**
 * The documented way to say "this is not a credential": a YAML comment `# mlgen: not-a-secret`
 * at the end of the value's line (SECURITY.md). `rest` is the line's text after the value.
 */
export const NOT_A_SECRET = /#\s*mlgen:\s*not-a-secret\b/;

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

/**
 * What each kind of manifest string is, as a grammar: a check that returns the problem (what is
 * wrong and how to fix it) or undefined, and the zod schema built on it. schema.ts uses these for
 * every field that reaches a generated file other than commands (which are written verbatim and
 * escaped per destination); `destinations.ts` lists, per field, the grammar and where it goes.
 *
 * The grammars are strict on purpose: a value that fits cannot change the meaning of any
 * destination it reaches (a YAML scalar, a shell word, a Groovy string, an Ant pattern list, a
 * GitLab field that expands `$VARIABLES`), so no target has to be trusted to escape it.
 */
import { z } from 'zod';
import { checkCron } from './cron.js';

export type Check = (text: string) => string | undefined;

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const shown = (ch: string) => (/^[\u0021-\u007e]$/.test(ch) ? `"${ch}"` : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);

/** A zod string refined by a check, with a JSON Schema pattern when the grammar is one regex. */
export function grammarString(check: Check, pattern?: string, { allowEmpty = false } = {}): z.ZodString {
  // An empty value gets the loader's usual "cannot be empty" and nothing more.
  const base = (allowEmpty ? z.string() : z.string().min(1, { abort: true })).superRefine((text, ctx) => {
    const problem = check(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
  return (pattern ? base.meta({ pattern }) : base) as unknown as z.ZodString;
}

// --- image references: the OCI distribution reference grammar (distribution/reference) ---
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|-+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
/** `reference := name [ ":" tag ] [ "@" digest ]`, anchored. */
export const IMAGE_REFERENCE = `^${NAME}(?::${TAG})?(?:@${DIGEST})?$`;
const IMAGE_REFERENCE_RE = new RegExp(IMAGE_REFERENCE);
const NAME_RE = new RegExp(`^${NAME}`);

export const checkImageReference: Check = (text) => {
  if (text === '') return 'an image reference cannot be empty: name one, e.g. python:3.11-slim';
  if (text.includes('$')) {
    return 'an image reference may not contain "$": GitLab expands $VARIABLES in image, which would send a variable\'s value (a secret, say) to a registry; write the image literally, e.g. registry.example.com/team/train:1.4';
  }
  const odd = [...text].find((ch) => CONTROL.test(ch) || /[\s;|&<>`'"\\(){}]/.test(ch));
  if (odd) return `an image reference may not contain ${shown(odd)}: it is a name such as python:3.11-slim or registry.example.com/team/img:1.2@sha256:<digest>, never shell text`;
  if (IMAGE_REFERENCE_RE.test(text)) {
    const name = NAME_RE.exec(text)![0];
    return name.length > 255 ? 'an image name is at most 255 characters (the OCI distribution limit)' : undefined;
  }
  return `"${text}" is not an image reference (OCI distribution grammar: [registry[:port]/]path[:tag][@digest], path in lowercase letters, digits and "._-"), e.g. python:3.11-slim or ghcr.io/acme/train:1.4`;
};

// --- runner labels ---
const RUNNER_LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const RUNNER_LABEL = RUNNER_LABEL_RE.source;
export const checkRunnerLabel: Check = (text) => {
  if (text === '') return 'a runner label cannot be empty: name one, e.g. ubuntu-latest';
  if (RUNNER_LABEL_RE.test(text)) return undefined;
  const odd = [...text].find((ch) => !/[A-Za-z0-9._-]/.test(ch));
  return `a runner label holds letters, digits, ".", "_" and "-" (at most 100, starting with a letter or digit)${odd ? `, not ${shown(odd)}` : ''}: Jenkins reads spaces, "&&" and "||" as label expressions and Azure reads "$(" as a macro; list several labels instead, e.g. [self-hosted, gpu]`;
};

// --- paths and globs inside the workspace ---
/** Characters a workspace path or glob may hold: no quoting is needed for any of them anywhere. */
const PATH_CHARACTER = /[\p{L}\p{N}._\-/*?[\]{}@+=%^!#&()]/u;
/**
 * A path or glob relative to the repository root that stays inside it. `what` names the field
 * in messages ("an artifact path").
 */
export const workspacePathCheck =
  (what: string): Check =>
  (text) => {
    if (text === '') return `${what} cannot be empty`;
    const control = [...text].find((ch) => CONTROL.test(ch));
    if (control) return `${what} may not contain ${shown(control)}: a newline or control character splits one path into several (an absolute one, say) on GitHub and Azure; write one path per list item`;
    if (text.startsWith('~')) return `${what} may not start with "~": the glob libraries expand ~/ to the runner's home directory, outside the workspace; name a path inside the repository, e.g. model/`;
    if (/^([/\\]|[A-Za-z]:)/.test(text)) return `${what} must be relative to the repository root, not absolute, e.g. model/model.pkl`;
    if (text.split(/[/\\]/).includes('..')) return `${what} may not climb out of the repository with ".."; name it from the repository root`;
    if (text.includes('$')) return `${what} may not contain "$": GitLab expands $VARIABLES in artifacts:paths, so a variable's value (a secret, say) would decide what is uploaded; write the path literally`;
    if (text.includes(',') || text.includes(' ')) return `${what} may not contain ${text.includes(',') ? '","' : 'a space'}: Jenkins splits Ant patterns on commas and spaces, so one entry would become several; write one path per list item`;
    const odd = [...text].find((ch) => !PATH_CHARACTER.test(ch));
    if (odd) return `${what} may not contain ${shown(odd)}: a path holds letters, digits, "/" and ._-*?[]{}@+=%^!#&()`;
    return undefined;
  };

// --- URLs shown on deployment pages ---
const URL_CHARACTERS = /^https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!&()*+;=%]+$/;
export const checkHttpUrl: Check = (text) => {
  if (text.includes('$')) return 'a URL may not contain "$": GitLab expands $VARIABLES in environment:url and shows the result unmasked on its Environments page; write the URL literally (or %24 for a literal "$")';
  const odd = [...text].find((ch) => CONTROL.test(ch) || /[\s'"`\\<>{}|^,]/.test(ch));
  if (odd) return `a URL may not contain ${shown(odd)}: percent-encode it, e.g. %20 for a space`;
  // A password in the URL is the credential detector's (secrets.ts) to report.
  return URL_CHARACTERS.test(text) && URL.canParse(text) ? undefined : 'is an http(s) URL such as https://staging.example.com';
};
export const HTTP_URL_START = '^https?://';

// --- cron (cron.ts holds the grammar) ---
export const checkSchedule: Check = (text) => checkCron(text);

// --- names ---
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
export const VARIABLE_NAME = SECRET_NAME;
/** The key of a metric in metrics.json, as gates and tolerances name it. */
export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
export const checkMetricName: Check = (text) =>
  METRIC_NAME.test(text) && text.length <= 100 ? undefined : 'a metric name holds letters, digits, "_", "." and "-", starts with a letter or "_" and is at most 100 characters, e.g. val_mae';
/** A project, check, data test or event name; also the base of environment and job names. */
export const SLUG = /^[a-z0-9][a-z0-9-]*$/;
/**
 * Deploy environments are named by mlgen itself (staging, canary, production), never by the
 * manifest: the fixed set is the grammar.
 */
export const ENVIRONMENT_NAMES = ['staging', 'canary', 'production'] as const;
export const BRANCH_NAME = /^[A-Za-z0-9._/-]+$/;
export const APPROVER = /^[A-Za-z0-9@._/ -]+$/;

/** An environment variable's value: plain text no platform evaluates. */
export const checkVariableValue: Check = (text) => {
  const opener = ['${{', '$(', '$['].find((o) => text.includes(o));
  return opener ? `a variable holds plain text: "${opener}" would be evaluated by a platform before the shell sees it; write the value literally` : undefined;
};

/**
 * Reads a manifest's text into a validated `Manifest`, or into diagnostics that each name
 * file:line:col. Pure: the caller reads the file. The concerns it joins: positions.ts (paths,
 * ranges, diagnostics), limits.ts (bounds on hostile files), schema-issues.ts (the schema's
 * issues as diagnostics), expressions.ts (platform expressions no target could escape).
 */
import { isMap, isScalar, LineCounter, parseDocument, visit, YAMLParseError, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { manifestSchema, type Manifest } from './schema.js';
import { findReservedKeys } from './reserved-keys.js';
import { findSecretLikeValues, NOT_A_SECRET, redactCredentials } from './secrets.js';
import { expressionDiagnostics } from './expressions.js';
import { deepFlowAt, LIMITS, NESTING_HINT, nestingDepth } from './limits.js';
import { lineStarts, locate, makeDiagnostic, rangeOf } from './positions.js';
import { dotted, issueToDiagnostics } from './schema-issues.js';

export { LIMITS } from './limits.js';

export type LoadResult = { ok: true; manifest: Manifest; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** At most this many problems are reported; a file with more gets a summary after them. */
const MAX_DIAGNOSTICS = 100;

function yamlErrorMessage(code: string, message: string): { message: string; hint?: string } {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (code) {
    case 'DUPLICATE_KEY':
      return { message: 'this key appears twice in the same mapping', hint: 'keep one of them: YAML would silently use the last' };
    case 'TAB_AS_INDENT':
      return { message: first, hint: 'indent with spaces, not tabs' };
    default:
      return { message: `YAML syntax: ${first}` };
  }
}

/** Parses and validates manifest text. Never throws for a user's mistake. */
/** `# mlgen: not-a-secret` after the value, on the line where the value ends (secrets.ts). */
function markedNotASecret(text: string, range: [number, number] | undefined): boolean {
  if (!range) return false;
  const end = text.indexOf('\n', range[1]);
  return NOT_A_SECRET.test(text.slice(range[1], end === -1 ? undefined : end));
}

export function loadManifest(text: string, file = 'mlgen.yaml'): LoadResult {
  const lines = lineStarts(text);
  try {
    return finish(load(text, file, lines));
  } catch (error) {
    // The last guard against a file built to exhaust the stack somewhere not foreseen.
    if (!(error instanceof RangeError)) throw error;
    return { ok: false, diagnostics: [makeDiagnostic(file, lines, undefined, `the manifest is too deeply nested or too large to read (${error.message})`, [], NESTING_HINT)] };
  }
}

/** Caps the number of problems and removes credential-looking text from everything shown. */
function finish(result: LoadResult): LoadResult {
  if (result.ok) return result;
  let diagnostics = result.diagnostics;
  if (diagnostics.length > MAX_DIAGNOSTICS) {
    const next = diagnostics[MAX_DIAGNOSTICS]!;
    const more = diagnostics.length - MAX_DIAGNOSTICS;
    const summary: Diagnostic = { file: next.file, line: next.line, column: next.column, length: next.length, severity: 'error', path: [],
      message: `${more} further problem${more === 1 ? ' is' : 's are'} not shown; fix the ones above first` };
    diagnostics = [...diagnostics.slice(0, MAX_DIAGNOSTICS), summary];
  }
  return {
    ok: false,
    diagnostics: diagnostics.map((d) => {
      const clean: Diagnostic = { ...d, message: redactCredentials(d.message), path: d.path.map((p) => (typeof p === 'string' ? redactCredentials(p) : p)) };
      if (d.hint !== undefined) clean.hint = redactCredentials(d.hint);
      return clean;
    }),
  };
}

function load(text: string, file: string, lines: LineCounter): LoadResult {
  const at = (message: string, hint?: string, range?: [number, number]) => makeDiagnostic(file, lines, range, message, [], hint);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.bytes) {
    return { ok: false, diagnostics: [at(`the manifest is ${bytes} bytes; mlgen reads at most ${LIMITS.bytes}`, 'a manifest describes a pipeline: keep data and scripts in their own files')] };
  }
  const deep = deepFlowAt(text);
  if (deep !== undefined) {
    return { ok: false, diagnostics: [at(`the manifest nests deeper than ${LIMITS.depth} levels`, NESTING_HINT, [deep, deep + 1])] };
  }
  // uniqueKeys is checked below: the parser's own check compares every pair of keys.
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: true, stringKeys: false });
  if (doc.errors.length === 0) doc.errors.push(...duplicateKeyErrors(doc));
  if (doc.errors.length > 0) {
    const syntax = doc.errors.map((e) => {
      // The parser catches its own stack overflow and reports it as a syntax error.
      if (/call stack/i.test(e.message)) return makeDiagnostic(file, lines, e.pos, `the manifest nests deeper than ${LIMITS.depth} levels`, [], NESTING_HINT);
      const { message, hint } = yamlErrorMessage(e.code, e.message);
      return makeDiagnostic(file, lines, e.pos, message, [], hint);
    });
    const diagnostics = [...syntax, ...problemsBefore(doc, file, lines, Math.min(...doc.errors.map((e) => e.pos[0])))];
    return { ok: false, diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.column - b.column) };
  }
  const startHint = 'a minimal manifest is:\n    version: 1\n    name: my-model\n    train:\n      run: python train.py';
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { ok: false, diagnostics: [at('the manifest is empty', startHint)] };
  }
  if (!isMap(doc.contents)) {
    return { ok: false, diagnostics: [at('the manifest must be a mapping of keys (version, name, ...)', startHint, rangeOf(doc.contents as Node))] };
  }
  const reserved = findReservedKeys(doc);
  if (reserved.length > 0) {
    return {
      ok: false,
      diagnostics: reserved.map((r) =>
        makeDiagnostic(file, lines, r.range, `${r.path.join('.')}: the key ${JSON.stringify(r.key)} is reserved (JavaScript objects treat it specially), so mlgen refuses it`, r.path, 'rename or remove the key'),
      ),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: LIMITS.aliases });
  } catch (error) {
    return { ok: false, diagnostics: [at(`cannot expand YAML aliases: ${(error as Error).message}`, 'write the values out instead of using aliases')] };
  }
  if (nestingDepth(data) > LIMITS.depth) {
    return { ok: false, diagnostics: [at(`the manifest nests deeper than ${LIMITS.depth} levels`)] };
  }
  const parsed = manifestSchema().safeParse(data);
  const diagnostics = parsed.success ? [] : parsed.error.issues.flatMap((issue) => issueToDiagnostics(issue, data, doc, file, lines));
  for (const found of findSecretLikeValues(data)) {
    const located = locate(doc, found.path);
    const range = found.inKey ? rangeOf(located.pair?.key as Node) : rangeOf(located.node);
    if (markedNotASecret(text, range)) continue;
    const what = found.inKey ? `a key in ${dotted(found.path.slice(0, -1))}` : dotted(found.path);
    diagnostics.push(
      makeDiagnostic(file, lines, range, `${what} looks like a credential (${found.kind}); secret values never belong in the manifest`, found.path,
        'name the secret under `secrets:` (e.g. API_TOKEN), store its value in the CI system, and use "$API_TOKEN" in the command'),
    );
  }
  diagnostics.push(...expressionDiagnostics(data, doc, file, lines, diagnostics));
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  if (!parsed.success || diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, manifest: parsed.data, diagnostics: [] };
}

/**
 * The manifest's other problems when it also has a syntax error (newcomer review: "1 problem",
 * then 6 once it is fixed): what the parser read before the first syntax error is checked as
 * usual, and a problem is kept when the value it names is there and ends before the error. Missing keys
 * are not reported: they may well be below the error.
 */
function problemsBefore(doc: ReturnType<typeof parseDocument>, file: string, lines: LineCounter, firstError: number): Diagnostic[] {
  if (!isMap(doc.contents) || findReservedKeys(doc).length > 0) return [];
  try {
    const data = doc.toJS({ maxAliasCount: LIMITS.aliases });
    if (nestingDepth(data) > LIMITS.depth) return [];
    const parsed = manifestSchema().safeParse(data);
    if (parsed.success) return [];
    return parsed.error.issues
      .flatMap((issue) => issueToDiagnostics(issue, data, doc, file, lines))
      .filter((d) => {
        // A value that reaches the error (an unclosed list, say) is the error's own doing.
        const node = locate(doc, d.path).node as Node | undefined;
        const end = node?.range?.[2];
        // An empty value just above the error is most likely what the error swallowed (a tab, a bad indent).
        if (node === undefined || (isScalar(node) && node.value === null)) return false;
        return d.path.length > 0 && end !== undefined && end < firstError && d.line < lines.linePos(firstError).line;
      });
  } catch {
    return [];
  }
}

/** Keys written twice in one mapping, as the parser's uniqueKeys option reports them, in linear time. */
function duplicateKeyErrors(doc: Document): YAMLParseError[] {
  const errors: YAMLParseError[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const item of map.items) {
        // Scalars compare by value and type (1 and "1" differ, as in the parser); other keys are refused by the schema anyway.
        if (!isScalar(item.key)) continue;
        const identity = `${typeof item.key.value}:${String(item.key.value)}`;
        if (seen.has(identity)) {
          const start = item.key.range?.[0] ?? 0;
          errors.push(new YAMLParseError([start, start + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
        }
        seen.add(identity);
      }
    },
  });
  return errors;
}

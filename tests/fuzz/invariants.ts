/**
 * What must hold for ANY manifest text, valid or not: the verdicts the fuzz tests check after
 * every mutated file, in process and through the CLI.
 */
import { parse } from 'yaml';
import type { GeneratedFile } from '../../src/files/index.js';
import { assertRelativePath } from '../../src/files/write.js';
import type { Diagnostic } from '../../src/manifest/index.js';

/** Text a crash leaves behind: a JavaScript stack frame or an internal error name. */
export const STACK_TRACE = /\n\s+at .+[(:]\d+|\b(TypeError|RangeError|ReferenceError|SyntaxError):|node:internal/;

/** Problems with one rejection: each diagnostic must point into the file and say something. */
export function rejectionProblems(text: string, file: string, diagnostics: readonly Diagnostic[]): string[] {
  if (diagnostics.length === 0) return ['rejected without a single diagnostic'];
  const lines = text.split('\n');
  return diagnostics.flatMap((d) => {
    const problems: string[] = [];
    const where = `${d.line}:${d.column} ${JSON.stringify(d.message)}`;
    if (d.file !== file) problems.push(`${where}: names the file ${d.file}, not ${file}`);
    if (!Number.isInteger(d.line) || d.line < 1 || d.line > lines.length) problems.push(`${where}: line outside the file's ${lines.length} lines`);
    else if (!Number.isInteger(d.column) || d.column < 1 || d.column > lines[d.line - 1]!.length + 1) problems.push(`${where}: column outside line ${d.line}`);
    if (typeof d.message !== 'string' || d.message.trim() === '') problems.push(`${where}: empty message`);
    if (STACK_TRACE.test(d.message) || STACK_TRACE.test(d.hint ?? '')) problems.push(`${where}: looks like a crash`);
    return problems;
  });
}

/** Problems with an accepted manifest's output: safe paths, YAML that parses, no duplicate paths. */
export function outputProblems(files: readonly GeneratedFile[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    try {
      assertRelativePath(file.path);
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (seen.has(file.path)) problems.push(`${file.path} generated twice`);
    seen.add(file.path);
    if (/\.ya?ml$/.test(file.path)) {
      try {
        parse(file.content, { uniqueKeys: true, prettyErrors: false });
      } catch (error) {
        problems.push(`${file.path} is not YAML: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  return problems;
}

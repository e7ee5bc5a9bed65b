/**
 * Finding 2 of the security review: the manifest's path was written unescaped into every
 * header, so a directory named `x\n__import__("os").system("id") #` put code into .mlgen/gate.py,
 * a Jenkinsfile and .gitlab-ci.yml. The header now escapes it (src/files/header.ts): each file
 * read by its own parser (YAML 1.1 and 1.2, Python's ast) means exactly what its body means.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generate } from '../../src/engine/generate.js';
import { parseHeader } from '../../src/files/header.js';

const source = ['version: 1', 'name: m', 'train:', '  run: python train.py', 'evaluate:', '  metrics: metrics.json', '  gates: [{ metric: mae, max: 1 }]', ''].join('\n');
const HOSTILE_PATHS = [
  't3/x\n__import__("os").system("id") #/mlgen.yaml',
  't3/x\rnode { sh "id" }\r//mlgen.yaml',
  't3/x\u2028before_script: [id]\u2029#/mlgen.yaml',
  't3/x\u0085stages: [pwn]\u0085#/mlgen.yaml',
  't3/x\\\nx = 1 #\f\v\u001b]0;title\u0007/mlgen.yaml',
  // Groovy applies \uXXXX escapes before it lexes, also inside a // comment.
  't3/x\\u000anode { sh "id" }\\u000a//%0A%/mlgen.yaml',
];
/** Every line break some reader of a generated file honours, and Groovy's unicode escape. */
const LINE_BREAK = /[\n\r\u000b\u000c\u0085\u2028\u2029]|\\u[0-9a-fA-F]{4}/;

/** Python's reading of each text: `ast.dump` of the module, in one interpreter. */
function pythonAst(texts: string[]): string[] {
  const program = 'import ast, json, sys\nprint(json.dumps([ast.dump(ast.parse(t)) for t in json.load(sys.stdin)]))';
  return JSON.parse(execFileSync('python3', ['-c', program], { input: JSON.stringify(texts), encoding: 'utf8' })) as string[];
}

describe('finding 2: the manifest path in headers', () => {
  it('finding 2: a manifest path with a newline cannot put code into any generated file', () => {
    const pythonPairs: string[] = [];
    for (const manifestPath of HOSTILE_PATHS) {
      const result = generate(source, { manifestPath });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.files.map((f) => f.path)).toEqual(expect.arrayContaining(['.mlgen/gate.py', 'Jenkinsfile', '.gitlab-ci.yml']));
      for (const file of result.files) {
        const header = parseHeader(file.content);
        expect(header?.manifestPath, file.path).toBe(manifestPath); // read back exactly
        const headerText = file.content.slice(0, file.content.length - header!.body.length);
        const lines = headerText.split('\n').slice(0, -1);
        expect(lines, file.path).toHaveLength(2);
        for (const line of lines) {
          expect(line.startsWith('# ') || line.startsWith('// '), line).toBe(true);
          expect(LINE_BREAK.test(line), JSON.stringify(line)).toBe(false);
        }
        if (/\.ya?ml$/.test(file.path)) {
          for (const version of ['1.1', '1.2'] as const) expect(parse(file.content, { version }), `${file.path} as YAML ${version}`).toEqual(parse(header!.body, { version }));
        }
        if (file.path.endsWith('.py')) pythonPairs.push(file.content, header!.body);
      }
    }
    const dumps = pythonAst(pythonPairs);
    for (let i = 0; i < dumps.length; i += 2) expect(dumps[i]).toBe(dumps[i + 1]);
  });
});

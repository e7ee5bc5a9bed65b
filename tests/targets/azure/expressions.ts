/**
 * (https://learn.microsoft.com/azure/devops/pipelines/process/expressions: functions, case-insensitive
 * comparison, job status functions.)
 * A small evaluator of Azure Pipelines expressions (conditions, `${{ }}` template expressions)
 * for the functions mlgen's pipelines use, with Azure's semantics: string comparison ignores
 * case, a missing variable is empty, status functions look at dependency results.
 */

export type Value = string | number | boolean | null;

export type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'ref'; path: (string | Node)[] }
  | { kind: 'call'; fn: string; args: Node[] };

export interface DependencyState {
  result: 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Canceled' | 'Skipped';
  outputs: Record<string, string>;
}

export interface Context {
  variables: Record<string, string>;
  parameters?: Record<string, string>;
  /** Results of the dependsOn entries (stages for a stage, jobs for a job). */
  dependencies?: Record<string, DependencyState>;
  /**
   * For a job: the jobs of the stages its stage depends on, by stage then job, read as
   * `stageDependencies.<stage>.<job>.result` and `.outputs['<step>.<var>']`
   * (https://learn.microsoft.com/azure/devops/pipelines/process/expressions#dependencies).
   */
  stageDependencies?: Record<string, Record<string, DependencyState>>;
  canceled?: boolean;
}

const FUNCTIONS = new Set(['and', 'or', 'not', 'eq', 'ne', 'in', 'notIn', 'startsWith', 'endsWith', 'contains', 'succeeded', 'failed', 'canceled', 'always', 'succeededOrFailed']);

export function parseExpression(text: string): Node {
  let pos = 0;
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos++;
  };
  const fail = (what: string): never => {
    throw new Error(`expression: ${what} at ${pos} in ${JSON.stringify(text)}`);
  };
  const expect = (ch: string) => {
    skip();
    if (text[pos] !== ch) fail(`expected "${ch}"`);
    pos++;
  };
  const node = (): Node => {
    skip();
    const ch = text[pos];
    if (ch === "'") {
      let value = '';
      pos++;
      for (;;) {
        if (pos >= text.length) fail('unterminated string');
        if (text[pos] === "'") {
          if (text[pos + 1] === "'") {
            value += "'";
            pos += 2;
            continue;
          }
          pos++;
          return { kind: 'literal', value };
        }
        value += text[pos++];
      }
    }
    const number = /^-?\d+(\.\d+)?/.exec(text.slice(pos));
    if (number) {
      pos += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos));
    if (!ident) return fail('expected a value');
    pos += ident[0].length;
    const name = ident[0];
    skip();
    if (text[pos] === '(') {
      if (!FUNCTIONS.has(name)) fail(`unknown function ${name}`);
      pos++;
      const args: Node[] = [];
      skip();
      if (text[pos] === ')') pos++;
      else {
        for (;;) {
          args.push(node());
          skip();
          if (text[pos] === ',') pos++;
          else if (text[pos] === ')') {
            pos++;
            break;
          } else fail('expected "," or ")"');
        }
      }
      return { kind: 'call', fn: name, args };
    }
    if (/^(true|false)$/i.test(name)) return { kind: 'literal', value: name.toLowerCase() === 'true' };
    if (name === 'null') return { kind: 'literal', value: null };
    const path: (string | Node)[] = [name];
    for (;;) {
      if (text[pos] === '.') {
        pos++;
        const part = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(pos));
        if (!part) fail('expected a property name');
        pos += part![0].length;
        path.push(part![0]);
      } else if (text[pos] === '[') {
        pos++;
        path.push(node());
        expect(']');
      } else break;
    }
    return { kind: 'ref', path };
  };
  const root = node();
  skip();
  if (pos !== text.length) fail('unexpected text');
  return root;
}

export function evaluate(text: string, context: Context): Value {
  return evalNode(parseExpression(text), context);
}

export function truthy(value: Value): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  return value !== null && value !== '';
}

function str(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

const same = (a: Value, b: Value) => str(a).toLowerCase() === str(b).toLowerCase();
const OK = ['Succeeded', 'SucceededWithIssues'];

function evalNode(node: Node, ctx: Context): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'ref':
      return lookup(node.path.map((p) => (typeof p === 'string' ? p : str(evalNode(p, ctx)))), ctx);
    case 'call': {
      const args = () => node.args.map((a) => evalNode(a, ctx));
      const deps = ctx.dependencies ?? {};
      const named = () => (node.args.length > 0 ? args().map(str) : Object.keys(deps));
      const result = (name: string) => {
        const dep = deps[name];
        if (!dep) throw new Error(`status function names "${name}", which is not a dependency`);
        return dep.result;
      };
      switch (node.fn) {
        case 'and':
          return node.args.every((a) => truthy(evalNode(a, ctx)));
        case 'or':
          return node.args.some((a) => truthy(evalNode(a, ctx)));
        case 'not':
          return !truthy(evalNode(node.args[0]!, ctx));
        case 'eq':
        case 'ne': {
          const [a, b] = args();
          return same(a ?? null, b ?? null) === (node.fn === 'eq');
        }
        case 'in':
        case 'notIn': {
          const [needle, ...hay] = args();
          return hay.some((h) => same(needle ?? null, h)) === (node.fn === 'in');
        }
        case 'startsWith':
          return str(args()[0] ?? null).toLowerCase().startsWith(str(args()[1] ?? null).toLowerCase());
        case 'endsWith':
          return str(args()[0] ?? null).toLowerCase().endsWith(str(args()[1] ?? null).toLowerCase());
        case 'contains':
          return str(args()[0] ?? null).toLowerCase().includes(str(args()[1] ?? null).toLowerCase());
        case 'succeeded':
          return !ctx.canceled && named().every((n) => OK.includes(result(n)));
        case 'failed':
          return !ctx.canceled && named().some((n) => result(n) === 'Failed');
        case 'succeededOrFailed':
          return !ctx.canceled && named().every((n) => result(n) !== 'Canceled');
        case 'canceled':
          return ctx.canceled === true;
        case 'always':
          return true;
        default:
          throw new Error(`unknown function ${node.fn}`);
      }
    }
    default: {
      const unknown: never = node;
      throw new Error(`unknown node ${JSON.stringify(unknown)}`);
    }
  }
}

function lookup(path: string[], ctx: Context): Value {
  const [root, ...rest] = path;
  if (root === 'variables') {
    const name = rest.join('.').toLowerCase();
    const key = Object.keys(ctx.variables).find((k) => k.toLowerCase() === name);
    return key === undefined ? null : (ctx.variables[key] ?? null);
  }
  if (root === 'parameters') return ctx.parameters?.[rest[0] ?? ''] ?? null;
  if (root === 'dependencies') {
    const [name, field, output] = rest;
    const dep = ctx.dependencies?.[name ?? ''];
    if (!dep) throw new Error(`dependencies.${name ?? ''} is not a dependency`);
    if (field === 'result') return dep.result;
    if (field === 'outputs') return dep.outputs[output ?? ''] ?? null;
    throw new Error(`unknown dependency field ${field ?? ''}`);
  }
  if (root === 'stageDependencies') {
    const [stageName, jobName, field, output] = rest;
    const stage = ctx.stageDependencies?.[stageName ?? ''];
    if (!stage) throw new Error(`stageDependencies.${stageName ?? ''} is not a stage this job's stage depends on`);
    const dep = stage[jobName ?? ''];
    if (!dep) throw new Error(`stageDependencies.${stageName ?? ''}.${jobName ?? ''}: stage ${stageName ?? ''} has no such job`);
    if (field === 'result') return dep.result;
    // A job's own outputs, `<step>.<var>` (a deployment job's are `<job>.<step>.<var>`).
    if (field === 'outputs') return dep.outputs[output ?? ''] ?? null;
    throw new Error(`unknown dependency field ${field ?? ''}`);
  }
  throw new Error(`unknown context ${root ?? ''}`);
}

/** Replaces `${{ expr }}` in a value (template expressions; a whole-value one keeps its type as text). */
export function expandTemplate(text: string, context: Context): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expr: string) => str(evaluate(expr.trim(), context)));
}

/**
 * The agent's macro pass (VarUtil.ExpandValues): one left-to-right scan that never rescans an
 * inserted value; an unknown name stays as written
 * (https://learn.microsoft.com/azure/devops/pipelines/process/variables#macro-syntax-variables).
 */
export function expandMacros(text: string, variables: Record<string, string>): string {
  const lower = new Map(Object.entries(variables).map(([k, v]) => [k.toLowerCase(), v]));
  let value = text;
  let start = 0;
  for (;;) {
    const open = value.indexOf('$(', start);
    if (open < 0) break;
    const close = value.indexOf(')', open + 2);
    if (close < 0) break;
    const key = value.slice(open + 2, close);
    const found = key === '' ? undefined : lower.get(key.toLowerCase());
    if (found === undefined) {
      start = open + 1;
      continue;
    }
    value = value.slice(0, open) + found + value.slice(close + 1);
    start = open + found.length;
  }
  return value;
}

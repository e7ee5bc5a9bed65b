/**
 * adopt compares data, not text (issue 15): on the complete example, for every generated YAML
 * target (the GitHub workflows, .gitlab-ci.yml, azure-pipelines.yml), a file re-styled without
 * changing its data (flow style, other quoting, other indentation, keys in another order,
 * comments added or removed, anchors and aliases) gives no override, and a data change written
 * in flow style, in another key order or with anchors is adopted exactly as the same change
 * written in mlgen's block style.
 */
import { describe, expect, it } from 'vitest';
import { isCollection, isScalar, parseDocument, visit, type Document, type Node, type Scalar } from 'yaml';
import { adoptEdit, type AdoptOutcome } from '../../src/adopt/index.js';
import { generate } from '../../src/engine/generate.js';
import { parseHeader } from '../../src/files/header.js';
import { fixtureText } from '../support/harness.js';

const MANIFEST = fixtureText('spec-complete');
const OPTIONS = { manifestPath: 'mlgen.yaml', file: 'mlgen.yaml' };
const base = generate(MANIFEST, OPTIONS);
if (!base.ok) throw new Error('spec-complete does not generate');
const FILES = base.files.filter((f) => /\.ya?ml$/.test(f.path) && !f.path.startsWith('.github/actionlint')).map((f) => f.path);

const contentOf = (path: string) => base.files.find((f) => f.path === path)!.content;
const headerOf = (content: string) => content.slice(0, content.length - parseHeader(content)!.body.length);
const bodyOf = (path: string) => parseHeader(contentOf(path))!.body;

const manifestOf = (o: AdoptOutcome) => (o.kind === 'adopted' ? o.manifestText : undefined);

function adopt(path: string, body: string): AdoptOutcome {
  const edited = headerOf(contentOf(path)) + body;
  return adoptEdit({ manifestText: MANIFEST, manifestFile: 'mlgen.yaml', manifestPath: 'mlgen.yaml', path, edited, engine: generate });
}

const document = (body: string) => parseDocument(body, { version: '1.1' });
const print = (doc: Document, options: Record<string, unknown> = {}) => doc.toString({ lineWidth: 0, minContentWidth: 0, ...options });

/** Every collection below the top level in flow style: `[a, b]`, `{ k: v }`. */
function flowStyle(body: string): string {
  const doc = document(body);
  visit(doc, {
    Collection(_, node, path) {
      if (path.length > 2) node.flow = true;
    },
  });
  return print(doc);
}

/** Every string single-quoted (`key: 'x'` for `key: x` and `key: "x"`). */
function singleQuoted(body: string): string {
  const doc = document(body);
  visit(doc, {
    Scalar(key, node) {
      if (key !== 'key' && typeof node.value === 'string') node.type = 'QUOTE_SINGLE';
    },
  });
  return print(doc);
}

/** Keys double-quoted, string values plain wherever YAML 1.1 reads them back unchanged (`key: x` for `key: "x"`). */
function unquoted(body: string): string {
  const doc = document(body);
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value === 'string') node.type = key === 'key' ? 'QUOTE_DOUBLE' : 'PLAIN';
    },
  });
  return print(doc);
}

const reindented = (body: string) => print(document(body), { indent: 4, indentSeq: false });

/** Every mapping's keys in reverse order. */
function reordered(body: string): string {
  const doc = document(body);
  visit(doc, {
    Map(_, node) {
      node.items.reverse();
    },
  });
  return print(doc);
}

/** mlgen's comments gone, the person's added above keys and at line ends. */
function commented(body: string): string {
  const doc = document(body);
  doc.commentBefore = ' my pipeline';
  let n = 0;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && n++ % 7 === 0) pair.key.commentBefore = ` note ${n}`;
      if (isScalar(pair.value) && n % 5 === 0) pair.value.comment = ` why ${n}`;
    },
  });
  return print(doc);
}

/** Each collection that repeats an earlier one is an alias of it; the earlier one gets an anchor. */
function aliased(body: string): string {
  const doc = document(body);
  const seen = new Map<string, Node>();
  let anchors = 0;
  visit(doc, {
    Collection(_, node) {
      if (node.items.length === 0) return undefined;
      const key = JSON.stringify(node.toJSON());
      const first = seen.get(key);
      if (!first) {
        seen.set(key, node);
        return undefined;
      }
      anchors++;
      return doc.createAlias(first as Scalar);
    },
  });
  expect(anchors, 'the file repeats at least one collection').toBeGreaterThan(0);
  return print(doc);
}

const RESTYLES: [string, (body: string) => string][] = [
  ['flow style', flowStyle],
  ['single quotes', singleQuoted],
  ['keys quoted, values unquoted', unquoted],
  ['four-space indentation, unindented lists', reindented],
  ['every mapping in reverse key order', reordered],
  ['comments removed and added', commented],
  ['anchors and aliases', aliased],
  ['all of these at once', (b) => aliased(commented(reordered(reindented(flowStyle(singleQuoted(b))))))],
];

describe('adopt: a re-styled file with the same data gives no override', () => {
  for (const path of FILES) {
    for (const [name, restyle] of RESTYLES) {
      it(`${path}: ${name}`, () => {
        const body = restyle(bodyOf(path));
        expect(body).not.toBe(bodyOf(path));
        expect(document(body).toJS()).toEqual(document(bodyOf(path)).toJS());
        const outcome = adopt(path, body);
        expect(outcome, JSON.stringify(outcome).slice(0, 600)).toMatchObject({ kind: 'same-data' });
      });
    }
  }
});

/** One real change per target, as mlgen would write it (block) and through the Document API. */
const CHANGES: { path: string; at: (string | number)[]; block: [RegExp, string]; value: unknown; changes: string[] }[] = [
  {
    path: '.github/workflows/mlgen-ci.yml',
    at: ['jobs', 'train', 'timeout-minutes'],
    block: [/^( {4}timeout-minutes: )240$/m, '$1300'],
    value: 300,
    changes: ['jobs.train.timeout-minutes'],
  },
  { path: '.gitlab-ci.yml', at: ['train', 'timeout'], block: [/^(train:\n(?: {2}.*\n)*? {2}timeout: )3h$/m, '$14h'], value: '4h', changes: ['train.timeout'] },
  {
    path: 'azure-pipelines.yml',
    at: ['pr', 'branches', 'include'],
    block: [/^pr:\n {2}branches:\n {4}include:\n {6}- "\*"\n/m, 'pr:\n  branches:\n    include:\n      - main\n'],
    value: ['main'],
    changes: ['pr.branches.include'],
  },
];

/** The change made on the parsed document, then the document re-styled. */
function changed(path: string, at: (string | number)[], value: unknown, restyle: (body: string) => string): string {
  const doc = document(bodyOf(path));
  doc.setIn(at, doc.createNode(value));
  return restyle(print(doc));
}

describe('adopt: a data change is carried over the same way in any style', () => {
  for (const { path, at, block, value, changes } of CHANGES) {
    const blockBody = bodyOf(path).replace(block[0], block[1]);
    it(`${path}: the block-style change is adopted (the reference)`, () => {
      expect(blockBody).not.toBe(bodyOf(path));
      expect(adopt(path, blockBody)).toMatchObject({ kind: 'adopted', changes });
    });
    const reference = adopt(path, blockBody);

    it(`${path}: the changed mapping alone in flow style`, () => {
      const doc = document(bodyOf(path));
      doc.setIn(at, doc.createNode(value));
      const parent = doc.getIn(at.slice(0, -1), true);
      if (isCollection(parent)) parent.flow = true;
      const outcome = adopt(path, print(doc));
      expect(outcome).toMatchObject({ kind: 'adopted', changes });
      expect(manifestOf(outcome)).toBe(manifestOf(reference));
    });

    for (const [name, restyle] of RESTYLES) {
      it(`${path}: the change in ${name}`, () => {
        const outcome = adopt(path, changed(path, at, value, restyle));
        expect(outcome, JSON.stringify(outcome).slice(0, 600)).toMatchObject({ kind: 'adopted', changes });
        expect(manifestOf(outcome)).toBe(manifestOf(reference));
      });
    }
  }

  it('a new key in the middle of a mapping is adopted like the same key placed last', () => {
    const path = '.github/workflows/mlgen-ci.yml';
    const last = adopt(path, bodyOf(path).replace(/^(jobs:\n)/m, 'defaults:\n  run:\n    shell: bash\n$1'));
    const middle = adopt(path, bodyOf(path).replace(/^(permissions:\n)/m, 'defaults: { run: { shell: bash } }\n$1'));
    expect(last).toMatchObject({ kind: 'adopted', changes: ['defaults.run.shell'] });
    expect(middle).toMatchObject({ kind: 'adopted', changes: ['defaults.run.shell'] });
    expect(manifestOf(middle)).toBe(manifestOf(last));
  });
});

describe('adopt: what data cannot carry is refused with file:line:col', () => {
  it('a plain scalar YAML 1.1 and 1.2 readers read differently (GitLab reads YAML 1.1)', () => {
    const path = '.gitlab-ci.yml';
    const body = bodyOf(path).replace(/^(train:\n(?: {2}.*\n)*? {2}timeout: )3h$/m, '$1yes');
    const line = body.split('\n').findIndex((l) => l === '  timeout: yes') + 3;
    expect(adopt(path, body)).toMatchObject({ kind: 'cannot', reason: expect.stringContaining(`.gitlab-ci.yml:${line}:12: yes is`) });
  });

  it('a YAML syntax error', () => {
    const path = 'azure-pipelines.yml';
    const body = `${bodyOf(path)}jobs: [\n`;
    const endOfFile = body.split('\n').length + 2; // where the missing ] is found
    expect(adopt(path, body)).toMatchObject({ kind: 'cannot', reason: expect.stringMatching(new RegExp(`^azure-pipelines\\.yml:${endOfFile}:1: .*not valid YAML`)) });
  });

  it('a value set to null', () => {
    const path = '.github/workflows/mlgen-ci.yml';
    const body = bodyOf(path).replace(/^( {4}timeout-minutes:) 240$/m, '$1 ~');
    const line = body.split('\n').findIndex((l) => l === '    timeout-minutes: ~') + 3;
    expect(adopt(path, body)).toMatchObject({ kind: 'cannot', reason: expect.stringContaining(`.github/workflows/mlgen-ci.yml:${line}:22: jobs.train.timeout-minutes is set to null`) });
  });

  it('still leaves a changed manifest only for real changes', () => {
    expect(manifestOf(adopt('.gitlab-ci.yml', flowStyle(bodyOf('.gitlab-ci.yml'))))).toBeUndefined();
  });
});

/**
 * The gate's report (manifest-v1, Gates): a JUnit file, a Markdown summary and an HTML page written beside the
 * verdict, on failure too. Each format is judged by a parser of that format: python3's own
 * xml.etree (expat refuses what XML 1.0 forbids) for JUnit, `marked` for Markdown, python3's
 * html.parser for the page, and the CI
 * log-command grammars (GitHub `::` at a line's start, Azure `##vso[`/`##[` anywhere) for both.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked } from 'marked';
import { afterAll, describe, expect, it } from 'vitest';
import { GATE_REPORT_PATHS } from '../../src/gate/index.js';
import type { GateConfig } from '../../src/plan/index.js';
import { removeTemporaryDirectories, runGate } from './run-gate.js';

afterAll(removeTemporaryDirectories);

const CONFIG: GateConfig = {
  metrics: 'metrics.json',
  gates: [
    { metric: 'mae', max: 20000 },
    { metric: 'r2', min: 0.9 },
  ],
  baseline: { file: 'baseline.json', tolerance: { mae: 0.05 } },
  report: { ...GATE_REPORT_PATHS },
};

interface JunitCase {
  name: string;
  classname: string;
  failure: string | null;
  message: string | null;
}

/** Parses the JUnit file with python3's xml.etree; a document expat refuses fails the test with expat's message. */
function parseJunit(file: string): { tests: number; failures: number; cases: JunitCase[] } {
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'root = ET.parse(sys.argv[1]).getroot()',
    'suite = root.find("testsuite")',
    'cases = [{"name": c.get("name"), "classname": c.get("classname"), "failure": (c.find("failure").text if c.find("failure") is not None else None),',
    '          "message": (c.find("failure").get("message") if c.find("failure") is not None else None)} for c in suite.findall("testcase")]',
    'print(json.dumps({"tests": int(suite.get("tests")), "failures": int(suite.get("failures")), "cases": cases}))',
  ].join('\n');
  return pythonReads<{ tests: number; failures: number; cases: JunitCase[] }>('xml.etree', script, file);
}

/** What a python3 script printed as JSON about a file; the parser's refusal fails the test with its message. */
function pythonReads<T>(parser: string, script: string, file: string): T {
  const run = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${parser} refused ${file}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** Lines a CI system would read as a command: Azure's ##vso[/##[ anywhere, GitHub's :: at a line's start. */
function commandLines(text: string): string[] {
  return text.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/).filter((line) => /##(vso)?\[/i.test(line) || /^\s*::/.test(line));
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** The HTML a gate summary may render to: a heading, paragraphs, the table, a list, bold. */
const ALLOWED_TAGS = new Set(['h3', 'p', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'li', 'strong']);

function renderedTags(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase());
}

/** The text a reader sees: tags dropped, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

interface HtmlPage {
  /** Every start tag with its attributes, in order. */
  tags: { tag: string; attrs: [string, string | null][] }[];
  /** The text of each <td>/<th>, by row (character references decoded, as a browser shows them). */
  rows: string[][];
  /** All text outside tags, decoded. */
  text: string;
  comments: string[];
  /** End tags that closed no open element, and elements left open at the end. */
  unbalanced: string[];
}

/** Parses the HTML page with python3's html.parser (the tokenizer browsers' rules follow), decoding references. */
function parseHtml(file: string): HtmlPage {
  const script = [
    'import json, sys',
    'from html.parser import HTMLParser',
    'VOID = {"meta", "br", "img", "hr", "input", "link"}',
    'class Page(HTMLParser):',
    '    def __init__(self):',
    '        super().__init__(convert_charrefs=True)',
    '        self.tags, self.rows, self.text, self.comments, self.open, self.unbalanced, self.cell = [], [], [], [], [], [], None',
    '    def handle_starttag(self, tag, attrs):',
    '        self.tags.append({"tag": tag, "attrs": attrs})',
    '        if tag not in VOID: self.open.append(tag)',
    '        if tag == "tr": self.rows.append([])',
    '        if tag in ("td", "th"): self.cell = []',
    '    def handle_endtag(self, tag):',
    '        if self.open and self.open[-1] == tag: self.open.pop()',
    '        else: self.unbalanced.append("/" + tag)',
    '        if tag in ("td", "th") and self.cell is not None: self.rows[-1].append("".join(self.cell)); self.cell = None',
    '    def handle_data(self, data):',
    '        self.text.append(data)',
    '        if self.cell is not None: self.cell.append(data)',
    '    def handle_comment(self, data): self.comments.append(data)',
    'p = Page()',
    'p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()',
    'print(json.dumps({"tags": p.tags, "rows": p.rows, "text": "".join(p.text), "comments": p.comments, "unbalanced": p.unbalanced + p.open}))',
  ].join('\n');
  return pythonReads<HtmlPage>('html.parser', script, file);
}

/** The elements the gate's HTML page is made of; the only attributes are the page's own lang and charset. */
const PAGE_TAGS = new Set(['html', 'head', 'meta', 'title', 'body', 'h3', 'p', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'li', 'strong']);

function reports(dir: string): { junit: string; markdown: string } {
  return { junit: readFileSync(join(dir, GATE_REPORT_PATHS.junit), 'utf8'), markdown: readFileSync(join(dir, GATE_REPORT_PATHS.markdown), 'utf8') };
}

describe('the report of a regressing and of an improving model', () => {
  it('a regression: exit 1, the JUnit failure names the metric with its value and limit, the Markdown row says fail', () => {
    const run = runGate(CONFIG, { 'metrics.json': { mae: 12379.72, r2: 0.97 }, 'baseline.json': { mae: 11000, r2: 0.96 } });
    expect(run.status).toBe(1);
    const { junit, markdown } = reports(run.dir);
    const parsed = parseJunit(join(run.dir, GATE_REPORT_PATHS.junit));
    // One case per bound and per baseline comparison: mae <= 20000, mae vs baseline, r2 >= 0.9, r2 vs baseline.
    expect(parsed.tests).toBe(4);
    expect(parsed.failures).toBe(1);
    const failed = parsed.cases.filter((c) => c.failure !== null);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.name).toMatch(/^mae against the baseline 11000/);
    expect(failed[0]!.message).toContain('mae = 12379.72 is worse than the baseline 11000');
    expect(failed[0]!.message).toContain('at most 11550');
    expect(junit).toContain('<?xml');

    const html = marked.parse(markdown, { async: false });
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => visibleText(c[1]!)));
    expect(rows[0]).toEqual(['metric', 'value', 'bound', 'baseline', 'change', 'status']);
    expect(rows[1]).toEqual(['mae', '12379.72', '<= 20000', '11000 (limit <= 11550, +5%)', '+12.54% (worse)', '\u274c fail']);
    expect(rows[2]).toEqual(['r2', '0.97', '>= 0.9', '0.96 (limit >= 0.96)', '+1.04% (better)', '\u2705 pass']);
    expect(visibleText(html)).toContain('mlgen gate: failed');

    // The HTML page (Jenkins' HTML Publisher) holds the same rows.
    const page = parseHtml(join(run.dir, GATE_REPORT_PATHS.html));
    expect(page.unbalanced).toEqual([]);
    expect(page.rows).toEqual(rows);
    expect(page.text).toContain('mlgen gate: failed');
    expect(page.text).toContain('mae = 12379.72 is worse than the baseline 11000');
  });

  it('an improvement: exit 0, every case passes, the Markdown shows the change as better', () => {
    const run = runGate(CONFIG, { 'metrics.json': { mae: 9000, r2: 0.98 }, 'baseline.json': { mae: 11000, r2: 0.96 } });
    expect(run.status).toBe(0);
    const parsed = parseJunit(join(run.dir, GATE_REPORT_PATHS.junit));
    expect(parsed.tests).toBe(4);
    expect(parsed.failures).toBe(0);
    expect(parsed.cases.every((c) => c.failure === null)).toBe(true);
    const text = visibleText(marked.parse(reports(run.dir).markdown, { async: false }));
    expect(text).toContain('mlgen gate: passed');
    expect(text).toContain('-18.18% (better)');
    expect(text).toContain('+2.08% (better)');
    expect(text).not.toContain('fail');
  });

  it('a gate that cannot read its metrics still writes both reports, saying why', () => {
    const run = runGate(CONFIG, { 'baseline.json': { mae: 1 } });
    expect(run.status).toBe(1);
    const parsed = parseJunit(join(run.dir, GATE_REPORT_PATHS.junit));
    expect(parsed.failures).toBe(1);
    expect(parsed.cases[0]!.message).toContain('metrics file "metrics.json" does not exist');
    expect(visibleText(marked.parse(reports(run.dir).markdown, { async: false }))).toContain('mlgen gate: error');
    expect(parseHtml(join(run.dir, GATE_REPORT_PATHS.html)).text).toContain('metrics file "metrics.json" does not exist');
  });

  it('--junit and --markdown write elsewhere', () => {
    const run = runGate(CONFIG, { 'metrics.json': { mae: 1, r2: 1 }, 'baseline.json': {} }, ['--junit', 'out/j.xml', '--markdown', 'out/s.md']);
    expect(run.status).toBe(0);
    expect(parseJunit(join(run.dir, 'out/j.xml')).tests).toBe(2);
    expect(readFileSync(join(run.dir, 'out/s.md'), 'utf8')).toContain('| mae | 1 |');
  });
});

describe('hostile metric names and values are text in every report format', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    'x]]><injected/>',
    '<![CDATA[x]]>',
    '\n##vso[task.setvariable variable=PATH]/tmp/evil',
    '##[error]fake',
    '::error::forged',
    '\n::add-mask::x',
    '\r\u001b[0Ksection_start:1:evil\r\u001b[0K',
    '\u0000nul\u0008bs\u000bvt',
    '\u2028::warning::after a line separator',
    '\u202egnp.exe',
    '\ud800 lone surrogate',
    '| a | b |\n| --- | --- |',
    '[click](javascript:alert(1))',
    '`code` *em* _u_ $x^2$ @everyone #1 :smile: &amp;',
    '<!-- hidden -->',
  ];

  it('negative control: these strings, written raw, would be HTML, commands and invalid XML', () => {
    expect(commandLines(hostile.join('\n'))).not.toEqual([]);
    expect(renderedTags(marked.parse(hostile.join('\n\n'), { async: false })).filter((t) => !ALLOWED_TAGS.has(t))).not.toEqual([]);
  });

  // Hostile names among the gates (they reach JUnit) and among the ungated metrics, and hostile
  // string values for a gated metric (they reach failure messages): one run holds them all.
  const config: GateConfig = { ...CONFIG, gates: [...CONFIG.gates, ...hostile.map((metric) => ({ metric, min: 1 }))] };
  const metrics: Record<string, unknown> = { mae: 30000, r2: 0.5 };
  hostile.forEach((name, i) => {
    metrics[name] = i % 2 === 0 ? 0 : name; // below the min, or a string value
    metrics[`ungated ${name}`] = name;
  });
  // JSON.stringify writes a lone surrogate as the \ud800 escape, which json.loads reads back as that code unit.
  const files = { 'metrics.json': JSON.stringify(metrics), 'baseline.json': JSON.stringify({ mae: 11000, [hostile[0]!]: 2 }) };

  it('JUnit: python3 xml.etree parses it; every hostile gate is a failing case; no control character, no log command', () => {
    const run = runGate(config, files);
    expect(run.status).toBe(1);
    const { junit } = reports(run.dir);
    const parsed = parseJunit(join(run.dir, GATE_REPORT_PATHS.junit));
    // mae: its max and the baseline; r2: its min (no baseline value); each hostile gate; the first one's baseline.
    expect(parsed.cases).toHaveLength(3 + hostile.length + 1);
    expect(parsed.failures).toBe(3 + hostile.length + 1);
    expect(commandLines(junit)).toEqual([]);
    expect(junit).not.toMatch(CONTROL);
    for (const c of parsed.cases) {
      for (const text of [c.name, c.classname, c.failure ?? '', c.message ?? '']) {
        expect(text).not.toMatch(CONTROL);
        expect(commandLines(text)).toEqual([]);
      }
    }
    // The markup arrives as the text it was, escaped by the serializer, never as elements.
    expect(parsed.cases.map((c) => c.name)).toContain('<script>alert(1)</script> >= 1');
    expect(junit).not.toContain('<script>');
    expect(junit).not.toContain('<injected/>');
    expect(parsed.cases.some((c) => c.name.startsWith('x]]><injected/>'))).toBe(true);
  });

  it('Markdown: marked renders only the table, heading, list and emphasis; every hostile string shows as text; no log command', () => {
    const run = runGate(config, files);
    const { markdown } = reports(run.dir);
    expect(commandLines(markdown)).toEqual([]);
    expect(markdown).not.toMatch(CONTROL);
    const html = marked.parse(markdown, { async: false });
    expect(renderedTags(html).filter((t) => !ALLOWED_TAGS.has(t))).toEqual([]);
    // No element carries an attribute (no href, src, on*): every tag is a bare <name> or </name>.
    expect([...html.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<[^>]*>/g)].map((m) => m[0]).filter((tag) => !/^<\/?[a-z0-9]+>$/.test(tag))).toEqual([]);
    // The only comment is mlgen's own marker (the PR comment finds itself by it).
    expect([...html.matchAll(/<!--[\s\S]*?-->/g)].map((m) => m[0])).toEqual(['<!-- mlgen gate report -->']);
    // The table still has its six columns on every row: no name split a cell or added a row.
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[dh][^>]*>/g)].length);
    expect(rows.length).toBe(1 + 2 + hostile.length * 2);
    expect(new Set(rows)).toEqual(new Set([6]));
    const text = visibleText(html);
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('[click](javascript:alert(1))');
    expect(text).toContain('`code` *em* _u_ $x^2$ @everyone #1 :smile: &amp;');
    expect(commandLines(text)).toEqual([]);
  });

  it('HTML: html.parser finds only the page\'s own elements, no attribute from metrics.json, the table intact; every hostile string is text', () => {
    const run = runGate(config, files);
    const file = join(run.dir, GATE_REPORT_PATHS.html);
    const raw = readFileSync(file, 'utf8');
    expect(commandLines(raw)).toEqual([]);
    expect(raw).not.toMatch(CONTROL);
    const page = parseHtml(file);
    expect(page.unbalanced).toEqual([]);
    expect(page.tags.map((t) => t.tag).filter((t) => !PAGE_TAGS.has(t))).toEqual([]);
    expect(page.tags.flatMap((t) => t.attrs)).toEqual([['lang', 'en'], ['charset', 'utf-8']]);
    expect(page.comments).toEqual([]);
    expect(page.rows.length).toBe(1 + 2 + hostile.length * 2);
    expect(new Set(page.rows.map((r) => r.length))).toEqual(new Set([6]));
    const metricsColumn = page.rows.map((r) => r[0]);
    for (const name of ['<script>alert(1)</script>', 'x]]><injected/>', '<!-- hidden -->', '[click](javascript:alert(1))', '`code` *em* _u_ $x^2$ @everyone #1 :smile: &amp;']) {
      expect(metricsColumn).toContain(name);
    }
    expect(commandLines(page.text)).toEqual([]);
  });

  it('negative control: the HTML checks above fail on a page with a raw name', () => {
    const run = runGate(config, files);
    const file = join(run.dir, GATE_REPORT_PATHS.html);
    writeFileSync(file, readFileSync(file, 'utf8').replace('&lt;script&gt;alert(1)&lt;/script&gt;', '<script>alert(1)</script>'));
    const page = parseHtml(file);
    expect(page.tags.map((t) => t.tag).filter((t) => !PAGE_TAGS.has(t))).toEqual(['script']);
  });
});

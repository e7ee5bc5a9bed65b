/** The metric gate: one Python script shared by every target. */
import type { RenderedFile } from '../files/index.js';
import type { GateConfig } from '../plan/types.js';
import { compileTemplate, createHandlebars } from '../templates.js';

export const GATE_SCRIPT_PATH = '.mlgen/gate.py';
/** The first line of the Markdown summary: how a pull-request comment of it is found again to update it. */
export const GATE_REPORT_MARKER = '<!-- mlgen gate report -->';
/** Where the gate writes its reports: beside the script, out of the project's own paths. */
export const GATE_REPORT_PATHS = { junit: '.mlgen/reports/gate-junit.xml', markdown: '.mlgen/reports/gate-summary.md', html: '.mlgen/reports/gate-report.html' } as const;

const handlebars = createHandlebars();

/**
 * The gate script for one evaluate section. The config travels as JSON inside Python string
 * literals: every JSON string escape means the same in Python, so manifest text cannot break
 * out of the literal, and escaping everything beyond ASCII keeps the file pure ASCII.
 */
export function renderGateScript(config: GateConfig): RenderedFile {
  const body = compileTemplate(handlebars, 'gate/gate.py.hbs')({ configLines: configLiterals(config), marker: JSON.stringify(GATE_REPORT_MARKER) });
  return { path: GATE_SCRIPT_PATH, body, comment: '#' };
}

/** The config as pretty JSON, one Python string literal per line (adjacent literals concatenate). */
function configLiterals(config: GateConfig): string[] {
  const canonical: GateConfig = {
    metrics: config.metrics,
    gates: config.gates.map((g) => ({
      metric: g.metric,
      ...(g.min !== undefined ? { min: g.min } : {}),
      ...(g.max !== undefined ? { max: g.max } : {}),
    })),
    ...(config.baseline ? { baseline: { file: config.baseline.file, tolerance: { ...config.baseline.tolerance } } } : {}),
    ...(config.report ? { report: { junit: config.report.junit, markdown: config.report.markdown, html: config.report.html } } : {}),
  };
  const lines = JSON.stringify(canonical, null, 2).split('\n');
  return lines.map((line, i) => JSON.stringify(asciiJson(i < lines.length - 1 ? `${line}\n` : line)));
}

/** Escapes every character beyond ASCII as JSON \uXXXX (UTF-16 units: json.loads pairs surrogates). */
function asciiJson(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

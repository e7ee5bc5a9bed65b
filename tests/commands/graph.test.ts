import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratch } from '../files/cli.js';

describe('mlgen graph', () => {
  it('prints Mermaid by default, DOT on request, JSON with --json, and rejects unknown events', async () => {
    const dir = scratch();
    copyFileSync(new URL('../fixtures/manifests/spec-complete.yaml', import.meta.url), join(dir, 'mlgen.yaml'));
    const [mermaid, dot, json, bad] = await Promise.all([
      runCli(['graph'], dir),
      runCli(['graph', '--format', 'dot', '--event', 'pr'], dir),
      runCli(['graph', '--json', '--event', 'schedule:predict'], dir),
      runCli(['graph', '--event', 'schedule:nightly'], dir),
    ]);
    expect(mermaid.code, mermaid.stderr).toBe(0);
    expect(mermaid.stdout).toContain('flowchart LR');
    expect(dot.stdout).toMatch(/^digraph /);
    expect(dot.stdout).not.toContain('"package"');
    expect(JSON.parse(json.stdout).graph.nodes.map((n: { id: string }) => n.id)).toEqual(['predict']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('schedule:predict');
  });
});

import { describe, expect, it } from 'vitest';
import { buildGraph, toDot, toMermaid } from '../../src/graph/index.js';
import { loadManifest } from '../../src/manifest/index.js';
import { compilePlan, selectJobs, type PlanEvent } from '../../src/plan/index.js';
import { fixtureText } from '../support/harness.js';

function planOf(name: string) {
  const loaded = loadManifest(fixtureText(name), `${name}.yaml`);
  if (!loaded.ok) throw new Error('fixture invalid');
  return compilePlan(loaded.manifest);
}

describe('graph', () => {
  const plan = planOf('spec-complete');

  it('draws every job with its needs, and marks the approval', () => {
    const graph = buildGraph(plan);
    expect(graph.nodes.map((n) => n.id)).toEqual(plan.jobs.map((j) => j.id));
    expect(graph.edges).toContainEqual(['train', 'evaluate']);
    expect(graph.edges).toContainEqual(['canary', 'production']);
    expect(graph.nodes.find((n) => n.id === 'production')).toMatchObject({ approval: true });
    const mermaid = toMermaid(graph);
    expect(mermaid).toMatch(/^---\ntitle: "house-prices: every pipeline"\n---\nflowchart LR\n/);
    expect(mermaid).toContain('  j_canary --> j_production\n');
    expect(mermaid).toMatch(/ {2}j_production\{\{"Deploy: production<br\/>\(after approval, release branch\)"\}\}/);
    expect(mermaid).toContain('class j_production approval');
  });

  it('for one event, shows exactly the jobs selectJobs runs, with conditions', () => {
    const events: PlanEvent[] = [{ kind: 'pull-request' }, { kind: 'push', branch: 'main' }, { kind: 'schedule', schedule: 'predict' }];
    for (const event of events) {
      const graph = buildGraph(plan, event);
      expect(graph.nodes.map((n) => n.id)).toEqual(selectJobs(plan, event, true));
      for (const [from, to] of graph.edges) expect(graph.nodes.some((n) => n.id === from) && graph.nodes.some((n) => n.id === to)).toBe(true);
    }
    const pr = buildGraph(plan, { kind: 'pull-request' });
    expect(pr.nodes.filter((n) => n.conditional).map((n) => n.id)).toEqual(['train', 'evaluate']);
    expect(toMermaid(pr)).toContain('class j_train,j_evaluate conditional');
  });

  it('writes DOT with every id and label quoted', () => {
    const dot = toDot(buildGraph(plan, { kind: 'push', branch: 'main' }));
    expect(dot.startsWith('digraph "house-prices: push:main (pipeline ci, mode full)" {\n')).toBe(true);
    expect(dot).toContain('  "canary" -> "production";\n');
    expect(dot).toContain('"production" [label="Deploy: production (after approval, if train.paths changed, release branch)", shape=hexagon, fillcolor="#fff3cd", style="rounded,filled,dashed"];');
    expect(toDot({ title: 'a"b\\c', nodes: [], edges: [] })).toContain('digraph "a\\"b\\\\c" {');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });
});

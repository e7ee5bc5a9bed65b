/**
 * The plan as a picture: jobs are nodes, `needs` are edges, approvals and conditions are
 * marked. Mermaid renders inside Markdown on GitHub and GitLab; DOT is for Graphviz. Pure.
 *
 * Without an event the graph shows every job of every pipeline; with one, only the jobs that
 * event runs (per `runFor`, the single truth of what runs when).
 */
import { formatEvent, jobsIn, needsIn, runFor, type Plan, type PlanEvent, type PlanJob } from '../plan/index.js';

export type GraphFormat = 'mermaid' | 'dot';

export interface GraphNode {
  id: string;
  label: string;
  approval: boolean;
  /** Runs only when a file of train.paths changed (pushes and pull requests). */
  conditional: boolean;
  releaseOnly: boolean;
}

export interface Graph {
  title: string;
  nodes: GraphNode[];
  edges: [from: string, to: string][];
}

export function buildGraph(plan: Plan, event?: PlanEvent): Graph {
  if (!event) {
    const edges: [string, string][] = plan.jobs.flatMap((job) => job.needs.map((need): [string, string] => [need, job.id]));
    const nodes = plan.jobs.map((job) => node(job, false, job.approval !== undefined));
    return { title: `${plan.name}: every pipeline`, nodes, edges };
  }
  const run = runFor(plan, event);
  const present = new Set(run.jobs.map((j) => j.id));
  const byId = new Map(jobsIn(plan, run.pipeline).map((j) => [j.id, j]));
  const nodes = run.jobs.map((entry) => node(byId.get(entry.id)!, entry.ifPathsChanged, entry.approval));
  const edges = run.jobs.flatMap((entry) =>
    needsIn(plan, byId.get(entry.id)!, run.pipeline)
      .filter((need) => present.has(need))
      .map((need): [string, string] => [need, entry.id]),
  );
  return { title: `${plan.name}: ${formatEvent(event)} (pipeline ${run.pipeline}, mode ${run.mode})`, nodes, edges };
}

function node(job: PlanJob, conditional: boolean, approval: boolean): GraphNode {
  return { id: job.id, label: job.title, approval, conditional, releaseOnly: job.releaseOnly };
}

/** Mermaid ids: letters, digits and "_" only (a "-" can read as part of an arrow). */
const mermaidId = (id: string) => `j_${id.replace(/[^A-Za-z0-9]/g, '_')}`;
/** Mermaid labels in double quotes; `#quot;` is Mermaid's entity for a quote inside one. */
const mermaidLabel = (text: string) => `"${text.replace(/"/g, '#quot;').replace(/[\r\n]+/g, ' ')}"`;

export function toMermaid(graph: Graph): string {
  const lines = ['---', `title: ${JSON.stringify(graph.title)}`, '---', 'flowchart LR'];
  for (const n of graph.nodes) {
    const notes = [n.approval ? 'after approval' : '', n.conditional ? 'if train.paths changed' : '', n.releaseOnly ? 'release branch' : ''].filter(Boolean);
    const label = mermaidLabel(notes.length ? `${n.label}<br/>(${notes.join(', ')})` : n.label);
    // A hexagon marks the approval gate; every other job is a rounded box.
    lines.push(n.approval ? `  ${mermaidId(n.id)}{{${label}}}` : `  ${mermaidId(n.id)}(${label})`);
  }
  for (const [from, to] of graph.edges) lines.push(`  ${mermaidId(from)} --> ${mermaidId(to)}`);
  const conditional = graph.nodes.filter((n) => n.conditional).map((n) => mermaidId(n.id));
  const approval = graph.nodes.filter((n) => n.approval).map((n) => mermaidId(n.id));
  if (approval.length > 0) lines.push('  classDef approval fill:#fff3cd,stroke:#b58900', `  class ${approval.join(',')} approval`);
  if (conditional.length > 0) lines.push('  classDef conditional stroke-dasharray:5 5', `  class ${conditional.join(',')} conditional`);
  return `${lines.join('\n')}\n`;
}

const dotString = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\r\n]+/g, ' ')}"`;

export function toDot(graph: Graph): string {
  const lines = [`digraph ${dotString(graph.title)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const n of graph.nodes) {
    const notes = [n.approval ? 'after approval' : '', n.conditional ? 'if train.paths changed' : '', n.releaseOnly ? 'release branch' : ''].filter(Boolean);
    const attrs = [`label=${dotString(notes.length ? `${n.label} (${notes.join(', ')})` : n.label)}`];
    const styles = ['rounded', ...(n.approval ? ['filled'] : []), ...(n.conditional ? ['dashed'] : [])];
    if (n.approval) attrs.push('shape=hexagon', 'fillcolor="#fff3cd"');
    if (styles.length > 1) attrs.push(`style="${styles.join(',')}"`);
    lines.push(`  ${dotString(n.id)} [${attrs.join(', ')}];`);
  }
  for (const [from, to] of graph.edges) lines.push(`  ${dotString(from)} -> ${dotString(to)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function renderGraph(graph: Graph, format: GraphFormat): string {
  switch (format) {
    case 'mermaid':
      return toMermaid(graph);
    case 'dot':
      return toDot(graph);
    default: {
      const unknown: never = format;
      throw new Error(`unknown graph format ${String(unknown)}`);
    }
  }
}

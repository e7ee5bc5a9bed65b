import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { planInputFlags, readPlanInput } from '../cli/plan-input.js';
import { buildGraph, renderGraph, type Graph, type GraphFormat } from '../graph/index.js';

export interface GraphResult {
  format: GraphFormat;
  graph: Graph;
  text: string;
}

export default class GraphCommand extends BaseCommand {
  static override summary = 'Draw the plan: jobs, what each waits for, and approvals, as Mermaid (renders in GitHub/GitLab Markdown) or DOT.';
  static override examples = [
    '<%= config.bin %> graph',
    '<%= config.bin %> graph --event push:main',
    '<%= config.bin %> graph --format dot | dot -Tsvg > plan.svg',
  ];
  static override flags = {
    ...planInputFlags,
    format: Flags.string({ char: 'f', description: 'mermaid or dot.', options: ['mermaid', 'dot'], default: 'mermaid' }),
  };

  async run(): Promise<GraphResult> {
    const { flags } = await this.parse(GraphCommand);
    this.quiet = flags.quiet;
    const input = await readPlanInput(flags);
    if (!input.ok) this.failWithDiagnostics(input.diagnostics, flags.manifest, input.text);
    const format = flags.format as GraphFormat;
    const graph = buildGraph(input.plan, input.event);
    const rendered = renderGraph(graph, format);
    // The graph is the output itself: --quiet does not hide it (only --json replaces it).
    if (!this.jsonEnabled()) process.stdout.write(rendered);
    return { format, graph, text: rendered };
  }
}

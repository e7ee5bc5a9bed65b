import { Flags } from '@oclif/core';
import { BaseCommand, UserError } from '../cli/base.js';
import { readManifestText } from '../cli/regenerate.js';
import { buildGraph, renderGraph, type Graph, type GraphFormat } from '../graph/index.js';
import { loadManifest } from '../manifest/index.js';
import { compilePlan, parseEvent, runFor, UnknownEventError, type PlanEvent } from '../plan/index.js';

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
    manifest: Flags.string({ char: 'm', description: 'The manifest.', default: 'mlgen.yaml' }),
    event: Flags.string({ char: 'e', description: 'Only the jobs one event runs: pr, push, push:BRANCH, schedule:NAME, event:NAME, manual:PIPELINE[:MODE].' }),
    format: Flags.string({ char: 'f', description: 'mermaid or dot.', options: ['mermaid', 'dot'], default: 'mermaid' }),
  };

  async run(): Promise<GraphResult> {
    const { flags } = await this.parse(GraphCommand);
    this.quiet = flags.quiet;
    const text = await readManifestText(flags.manifest);
    const loaded = loadManifest(text, flags.manifest);
    if (!loaded.ok) {
      this.printDiagnostics(loaded.diagnostics, new Map([[flags.manifest, text]]));
      if (this.jsonEnabled()) this.logJson({ diagnostics: loaded.diagnostics });
      this.exit(1);
    }
    const plan = compilePlan(loaded.manifest);
    let event: PlanEvent | undefined;
    if (flags.event) {
      const parsed = parseEvent(flags.event, plan);
      if (typeof parsed === 'string') throw new UserError(parsed, 2);
      try {
        runFor(plan, parsed);
      } catch (error) {
        if (error instanceof UnknownEventError) throw new UserError(`${error.message}; this manifest has: ${error.known.join(', ') || 'none'}`, 2);
        throw error;
      }
      event = parsed;
    }
    const format = flags.format as GraphFormat;
    const rendered = renderGraph(plan, format, event);
    // The graph is the output itself: --quiet does not hide it (only --json replaces it).
    if (!this.jsonEnabled()) process.stdout.write(rendered);
    return { format, graph: buildGraph(plan, event), text: rendered };
  }
}

import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand, UserError } from '../cli/base.js';
import { loadManifest } from '../manifest/index.js';
import { compilePlan, eventsOf, formatEvent, formatRun, parseEvent, runFor, UnknownEventError, type EventRun, type Plan } from '../plan/index.js';

export interface PlanResult {
  plan: Plan;
  runs: (Omit<EventRun, 'event'> & { event: string })[];
}

export default class PlanCommand extends BaseCommand {
  static override summary = 'Show what runs when: the jobs of each event, in order, as every target will run them.';
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --event pr',
    '<%= config.bin %> plan --event schedule:retrain-full --json',
  ];
  static override flags = {
    manifest: Flags.string({ char: 'm', description: 'The manifest.', default: 'mlgen.yaml' }),
    event: Flags.string({
      char: 'e',
      description: 'One event: pr, push, push:BRANCH, schedule:NAME, event:NAME, manual:PIPELINE[:MODE]. Default: every event.',
    }),
  };

  async run(): Promise<PlanResult> {
    const { flags } = await this.parse(PlanCommand);
    this.quiet = flags.quiet;
    let text: string;
    try {
      text = await readFile(flags.manifest, 'utf8');
    } catch {
      throw new UserError(`cannot read ${flags.manifest}: run \`mlgen init\` to create a manifest, or pass --manifest`);
    }
    const loaded = loadManifest(text, flags.manifest);
    if (!loaded.ok) {
      this.printDiagnostics(loaded.diagnostics, new Map([[flags.manifest, text]]));
      if (this.jsonEnabled()) this.logJson({ diagnostics: loaded.diagnostics });
      this.exit(1);
    }
    const plan = compilePlan(loaded.manifest);
    let events = eventsOf(plan);
    if (flags.event) {
      const parsed = parseEvent(flags.event, plan);
      if (typeof parsed === 'string') throw new UserError(parsed, 2);
      events = [parsed];
    }
    let runs: EventRun[];
    try {
      runs = events.map((event) => runFor(plan, event));
    } catch (error) {
      if (error instanceof UnknownEventError) {
        throw new UserError(`${error.message}; this manifest has: ${error.known.join(', ') || 'none'}`, 2);
      }
      throw error;
    }
    if (plan.jobs.length === 0) this.say('The manifest defines no jobs yet: add checks, data.tests, train or pipelines.');
    else this.say(runs.map((run) => formatRun(plan, run)).join('\n\n'));
    return { plan, runs: runs.map((run) => ({ ...run, event: formatEvent(run.event) })) };
  }
}

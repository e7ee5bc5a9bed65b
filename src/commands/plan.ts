import { BaseCommand } from '../cli/base.js';
import { planInputFlags, readPlanInput } from '../cli/plan-input.js';
import { eventsOf, formatEvent, formatRun, runFor, type EventRun, type Plan } from '../plan/index.js';

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
  static override flags = planInputFlags;

  async run(): Promise<PlanResult> {
    const { flags } = await this.parse(PlanCommand);
    this.quiet = flags.quiet;
    const input = await readPlanInput(flags);
    if (!input.ok) this.failWithDiagnostics(input.diagnostics, flags.manifest, input.text);
    const { plan } = input;
    const runs = (input.event ? [input.event] : eventsOf(plan)).map((event) => runFor(plan, event));
    const given = (flags as { event?: string }).event;
    if (given === 'push' && runs[0]) this.say(`(--event push is a push to the release branch, ${formatEvent(runs[0].event).slice('push:'.length)}; for another branch: --event push:BRANCH)`);
    if (plan.jobs.length === 0) this.say('The manifest defines no jobs yet: add checks, data.tests, train or pipelines.');
    else this.say(runs.map((run) => formatRun(plan, run)).join('\n\n'));
    return { plan, runs: runs.map((run) => ({ ...run, event: formatEvent(run.event) })) };
  }
}

import { dirname, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, UserError } from '../cli/base.js';
import { planInputFlags, readPlanInput } from '../cli/plan-input.js';
import { formatEvent, type PlanEvent } from '../plan/index.js';
import { jobsToRun, missingSecrets, RunUsageError, staleGeneratedFiles, startRun, type JobReport, type RunReport } from '../run/index.js';
import { pathsChanged } from '../run/changes.js';

export default class RunCommand extends BaseCommand {
  static override summary = 'Run the pipeline on your machine before you push, as CI would: each job in a fresh checkout, only declared artifacts handed on.';
  static override description = [
    'Runs the jobs an event selects (default: pr), in dependency order, each in a fresh copy of the tracked files with the project installed in a workspace virtualenv.',
    'Secrets come from your environment; a missing one is named before anything runs.',
    'Registry, deploy, rollback and notify commands are printed, not run, unless --deploy.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> run',
    '<%= config.bin %> run --event push:main --job evaluate',
    'REGISTRY_PASSWORD=… <%= config.bin %> run --event push:main --deploy',
  ];
  static override flags = {
    ...planInputFlags,
    event: Flags.string({ char: 'e', description: 'The event to run: pr, push, push:BRANCH, schedule:NAME, event:NAME, manual:PIPELINE[:MODE].', default: 'pr' }),
    job: Flags.string({ char: 'j', description: 'Run only this job and the jobs it needs (repeatable).', multiple: true }),
    deploy: Flags.boolean({ description: 'Also run registry, deploy, canary, rollback and notify commands (and wait out soaks).', default: false }),
    keep: Flags.boolean({ description: 'Keep the job workspaces and artifacts, and print where they are.', default: false }),
    parallel: Flags.integer({ description: 'How many independent jobs run at once.', default: 2, min: 1 }),
  };

  async run(): Promise<RunReport> {
    const { flags } = await this.parse(RunCommand);
    this.quiet = flags.quiet;
    const input = await readPlanInput(flags);
    if (!input.ok) this.failWithDiagnostics(input.diagnostics, flags.manifest, input.text);
    const { plan } = input;
    const event = input.event as PlanEvent;
    const repo = dirname(resolve(flags.manifest));
    let jobs;
    try {
      jobs = jobsToRun(plan, event, pathsChanged(repo, plan, event), flags.job);
    } catch (error) {
      if (error instanceof RunUsageError) throw new UserError(error.message, 2);
      throw error;
    }
    const stale = staleGeneratedFiles(repo, plan);
    if (stale.length > 0) {
      throw new UserError(`${stale.join(', ')} is not what ${flags.manifest} generates now, and CI runs the committed file: run \`mlgen generate\` first`, 1);
    }
    const missing = missingSecrets(plan, jobs, process.env, flags.deploy);
    if (missing.size > 0) {
      const lines = [...missing].map(([name, owners]) => `${name} (for ${owners.join(', ')})`);
      throw new UserError(`missing secrets: ${lines.join('; ')}. Export each one before mlgen run, as the CI system would provide it (e.g. ${[...missing.keys()][0]}=… mlgen run)`, 1);
    }
    this.say(`${formatEvent(event)}: ${jobs.length === 0 ? 'no jobs run' : jobs.map((j) => j.id).join(', ')}`);
    const handle = startRun({
      repo,
      plan,
      event,
      ...(flags.job ? { only: flags.job } : {}),
      deploy: flags.deploy,
      keep: flags.keep,
      parallel: flags.parallel,
      env: process.env,
      onJob: (report) => this.progress(report),
    });
    const stop = () => {
      this.say('Stopping: Ctrl-C again to leave at once');
      process.off('SIGINT', stop);
      handle.cancel();
    };
    process.on('SIGINT', stop);
    const report = await handle.done;
    process.off('SIGINT', stop);
    if (report.workspace) this.say(`Workspaces and artifacts kept in ${report.workspace}`);
    if (this.jsonEnabled()) {
      // By exit code, not this.exit(): under --json oclif would print the exit as a second document.
      if (!report.ok) process.exitCode = 1;
      return report;
    }
    if (!report.ok) {
      const failed = report.jobs.find((j) => j.id === report.failed)!;
      throw new UserError(`job ${failed.id} ${failed.state}${failed.reason ? `: ${failed.reason}` : ''}`, 1);
    }
    this.say(`passed: ${report.jobs.filter((j) => j.state === 'passed').length} job(s)`);
    return report;
  }

  private progress(report: JobReport | { id: string; title: string; state: 'running' }): void {
    if (report.state === 'running') {
      this.say(`… ${report.id}`);
      return;
    }
    const mark = { passed: '✓', failed: '✗', skipped: '-', cancelled: '✗' }[report.state];
    const seconds = report.seconds > 0 ? ` ${report.seconds.toFixed(1)} s` : '';
    this.say(`${mark} ${report.id} ${report.state}${seconds}${report.reason ? `: ${report.reason}` : ''}`);
    for (const step of report.steps) if (step.state === 'printed') this.say(`    (not run without --deploy) ${step.label}${step.command ? `: ${step.command}` : ''}`);
    const failed = report.steps.find((s) => s.state === 'failed');
    if (failed?.output) this.say(failed.output.replace(/\s+$/, '').split('\n').map((l) => `    | ${l}`).join('\n'));
  }
}

/**
 * Jenkins: a declarative `Jenkinsfile` for pushes, pull requests, manual runs and external
 * events (buildWithParameters), plus `jenkins/<schedule>.Jenkinsfile` per schedule: the same
 * stages with their own cron trigger and parameter defaults, so several schedules need no
 * plugin (`mlgen sync jenkins` makes one job per file). A printer of the plan: stages.ts lays
 * out the jobs, steps.ts their steps, render.ts the files, from templates/jenkins/.
 */
import type { RenderedFile } from '../../files/index.js';
import type { Plan } from '../../plan/index.js';
import type { Target } from '../types.js';
import { jenkinsfileView, renderTemplate } from './render.js';

export const JENKINSFILE_PATH = 'Jenkinsfile';

export function scheduleJenkinsfilePath(scheduleId: string): string {
  return `jenkins/${scheduleId}.Jenkinsfile`;
}

export function renderJenkins(plan: Plan): RenderedFile[] {
  if (plan.jobs.length === 0) return [];
  const files: RenderedFile[] = [{ path: JENKINSFILE_PATH, body: renderTemplate('Jenkinsfile.hbs', jenkinsfileView(plan)), comment: '//' }];
  for (const schedule of plan.schedules) {
    files.push({ path: scheduleJenkinsfilePath(schedule.id), body: renderTemplate('Jenkinsfile.hbs', jenkinsfileView(plan, schedule)), comment: '//' });
  }
  return files;
}

export const jenkinsTarget: Target = {
  id: 'jenkins',
  displayName: 'Jenkins',
  render: renderJenkins,
};

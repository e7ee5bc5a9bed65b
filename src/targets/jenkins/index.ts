/**
 * Jenkins: a declarative `Jenkinsfile` for pushes, pull requests, manual runs and external
 * events (buildWithParameters), plus `jenkins/<schedule>.Jenkinsfile` per schedule: the same
 * pipeline with its own cron trigger and parameter defaults, so several schedules need no
 * plugin (`mlgen sync jenkins` makes one job per file). Rendered from templates/jenkins/.
 */
import type { RenderedFile } from '../../files/index.js';
import type { Plan } from '../../plan/index.js';
import type { Target } from '../types.js';
import { renderTemplate } from './helpers.js';
import { jenkinsfileView, stagesView } from './view.js';

export const JENKINSFILE_PATH = 'Jenkinsfile';

export function scheduleJenkinsfilePath(scheduleId: string): string {
  return `jenkins/${scheduleId}.Jenkinsfile`;
}

export function renderJenkins(plan: Plan): RenderedFile[] {
  if (plan.jobs.length === 0) return [];
  // The stages, most of each file, are the same in every Jenkinsfile of the plan: render them once.
  const stages = renderTemplate('stages.hbs', stagesView(plan));
  const files: RenderedFile[] = [{ path: JENKINSFILE_PATH, body: renderTemplate('Jenkinsfile.hbs', jenkinsfileView(plan, stages)), comment: '//' }];
  for (const schedule of plan.schedules) {
    files.push({ path: scheduleJenkinsfilePath(schedule.id), body: renderTemplate('Jenkinsfile.hbs', jenkinsfileView(plan, stages, schedule)), comment: '//' });
  }
  return files;
}

export const jenkinsTarget: Target = {
  id: 'jenkins',
  displayName: 'Jenkins',
  render: renderJenkins,
};

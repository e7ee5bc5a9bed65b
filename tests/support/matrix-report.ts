/**
 * The engine matrix of issue 13: every test that runs an example's pipeline on an engine
 * appends one JSON line per run to $MLGEN_MATRIX_REPORT (nothing when it is unset).
 */
import { appendFileSync } from 'node:fs';

export interface PipelineRun {
  engine: 'act' | 'gitlab-ci-local' | 'azure-sim' | 'jenkins-sim';
  example: string;
  pipeline: string;
  jobsRun: number;
  jobsPassed: number;
  seconds: number;
  ok: boolean;
}

export function recordPipelineRun(row: PipelineRun): void {
  const file = process.env.MLGEN_MATRIX_REPORT;
  if (!file) return;
  appendFileSync(file, JSON.stringify(row) + '\n');
}

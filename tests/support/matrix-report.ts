/**
 * The engine matrix of issue 13: one JSON line per pipeline run of an example, appended to
 * $MLGEN_MATRIX_REPORT when it is set (the lead merges and dedupes the lines into the table).
 */
import { appendFileSync } from 'node:fs';

export interface PipelineRun {
  engine: 'act' | 'gitlab-ci-local' | 'azure-sim' | 'jenkins-sim';
  example: string;
  /** 'pr', 'push:other', 'push:release', 'schedule:predict', 'retrain:<mode>', 'event:drift', 'manual:<pipeline>[:<mode>]'. */
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

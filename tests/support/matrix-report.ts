/**
 * The engine matrix of issue 13: every test that runs an example's pipeline on an engine
 * appends one JSON line per run to $MLGEN_MATRIX_REPORT when it is set (nothing otherwise).
 * The closing note's table is built from these lines (the lead dedupes).
 */
import { appendFileSync } from 'node:fs';

export interface PipelineRunRow {
  engine: 'act' | 'gitlab-ci-local' | 'azure-sim' | 'jenkins-sim';
  example: string;
  /** 'pr', 'push:other', 'push:release', 'schedule:predict', 'retrain:<mode>', 'event:drift', 'manual:<pipeline>[:<mode>]'. */
  pipeline: string;
  jobsRun: number;
  jobsPassed: number;
  seconds: number;
  ok: boolean;
}

export function recordPipelineRun(row: PipelineRunRow): void {
  const file = process.env.MLGEN_MATRIX_REPORT;
  if (!file) return;
  appendFileSync(file, JSON.stringify(row) + '\n');
}

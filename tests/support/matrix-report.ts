/**
 * The engine matrix of issue 13: every test that runs an example's pipeline on an engine
 * appends one JSON line per run to $MLGEN_MATRIX_REPORT (nothing happens when it is unset).
 * The lead dedupes and prints the table from these rows.
 */
import { appendFileSync } from 'node:fs';

export interface PipelineRunRow {
  engine: 'act' | 'gitlab-ci-local' | 'azure-sim' | 'jenkins-sim';
  example: string;
  /** 'pr', 'push:other', 'push:release', 'schedule:predict', 'retrain:<mode>', 'event:drift', 'manual:<pipeline>[:<mode>]' */
  pipeline: string;
  jobsRun: number;
  jobsPassed: number;
  seconds: number;
  ok: boolean;
  /** Why a row is not ok when its counts do not say it: timed out, no jobs ran. */
  note?: string;
}

export function recordPipelineRun(row: PipelineRunRow): void {
  const file = process.env.MLGEN_MATRIX_REPORT;
  if (!file) return;
  appendFileSync(file, JSON.stringify(row) + '\n');
}

/** MLGEN_MATRIX=full runs every example × pipeline; by default (CI) a subset covering every kind. */
export function fullMatrix(): boolean {
  return process.env.MLGEN_MATRIX === 'full';
}

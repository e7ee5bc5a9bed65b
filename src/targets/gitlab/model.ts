/**
 * A typed model of the part of .gitlab-ci.yml that mlgen writes. Keys are already GitLab's
 * (snake_case), so rendering is a plain serialization; field order here is the order a
 * reader meets them in the file.
 */
import type { GitLabVariable } from '../../escape/gitlab.js';

/** The file mlgen writes; the monitor copies it as the configuration of the retrain child pipeline. */
export const GITLAB_CI_PATH = '.gitlab-ci.yml';

/** One entry of `rules` (job or workflow): the first entry whose `if` and `changes` match decides. */
export interface Rule {
  if?: string;
  changes?: string[] | { paths: string[]; compare_to: string };
  when?: 'on_success' | 'manual' | 'delayed' | 'never' | 'on_failure' | 'always';
  start_in?: string;
  /** `rules:interruptible` (GitLab 16.10). */
  interruptible?: boolean;
}

/** A top-level variable; `options` and `description` prefill the "Run pipeline" form. */
export interface PipelineVariable {
  value: string;
  options?: string[];
  description: string;
}

export interface Need {
  job: string;
  artifacts: boolean;
  /** The needed job is absent from some pipelines this job runs in (e.g. checks in retrain). */
  optional?: boolean;
}

export interface Cache {
  key: { prefix: string; files: string[] };
  paths: string[];
  /** `pull`: the job only reads the cache; one job per cache writes it (`pull-push`). */
  policy: 'pull' | 'pull-push';
}

export interface Environment {
  name: string;
  url?: string;
  deployment_tier: 'production' | 'staging' | 'testing' | 'development' | 'other';
  action: 'start' | 'prepare' | 'stop' | 'verify' | 'access';
}

export interface Service {
  name: string;
  alias: string;
}

export interface Job {
  stage: string;
  image?: string;
  services?: Service[];
  tags?: string[];
  needs?: Need[];
  rules: Rule[];
  timeout?: string;
  resource_group?: string;
  environment?: Environment;
  manual_confirmation?: string;
  variables?: Record<string, GitLabVariable>;
  cache?: Cache[];
  script: string[];
  artifacts?: Artifacts;
}

/**
 * A trigger job (`trigger:`): it starts a child pipeline from a configuration file another job
 * wrote as an artifact, passes it `variables`, and with `strategy: depend` takes its result.
 * It has no script, image or runner of its own.
 */
export interface TriggerJob {
  stage: string;
  needs: Need[];
  rules: Rule[];
  variables: Record<string, GitLabVariable>;
  trigger: { include: { artifact: string; job: string }[]; strategy: 'depend' };
}

export const isTriggerJob = (job: Job | TriggerJob): job is TriggerJob => 'trigger' in job;

export interface Artifacts {
  paths: string[];
  expire_in: string;
  /** `always` keeps them when the job fails too (the gate's report matters most then). */
  when?: 'always';
  /** The link to the first path on the merge request page. */
  expose_as?: string;
  reports?: { junit: string[] };
}

export interface GitLabCi {
  workflow: { rules: Rule[] };
  variables: Record<string, GitLabVariable | PipelineVariable>;
  stages: string[];
  /** Jobs by name, in file order. */
  jobs: Map<string, Job | TriggerJob>;
}

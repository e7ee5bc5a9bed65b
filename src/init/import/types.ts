/**
 * What `mlgen init` reads from CI files a repository already has, before it becomes a draft
 * manifest: every fact keeps the file and line it came from, so the draft can say so.
 */
import type { TargetId } from '../../manifest/index.js';

/** Where a fact was read: a path relative to the repository root and a 1-based line. */
export interface Origin {
  file: string;
  line: number;
}

export interface Located<T> extends Origin {
  value: T;
}

/** The events of the contract's "What runs when" table a foreign job ran on. */
export interface ForeignJob extends Origin {
  name: string;
  /** Shell commands in order, one per line the platform hands to the shell. */
  commands: Located<string>[];
  /** When it runs: on every change, only on the release branch, only on schedules. */
  runsOn: 'always' | 'release' | 'schedule';
  /** Blocked on a person (GitLab `when: manual`, an approval environment). */
  manual: boolean;
  image?: Located<string>;
  /** Runner labels a job asked for, when they are not a hosted platform's default. */
  runner?: Located<string[]>;
  timeoutMinutes?: Located<number>;
  environment?: { name: string; url?: Located<string> } & Origin;
  /** Secret names its commands or environment read. */
  secrets: Located<string>[];
  /** Paths it keeps for later jobs (upload-artifact, GitLab `artifacts:paths`). */
  artifacts?: Located<string[]>;
  /** Commands a platform runs when the job fails (Jenkins `post { failure }`). */
  onFailure: Located<string>[];
}

export interface ForeignPipeline {
  file: string;
  platform: TargetId;
  jobs: ForeignJob[];
  /** Branches a push runs on (the release branch, when there is one). */
  branches: Located<string>[];
  /** Cron schedules in the file; GitLab keeps them in the project instead. */
  schedules: Located<string>[];
  python?: Located<string>;
  defaultImage?: Located<string>;
  defaultTimeoutMinutes?: Located<number>;
  /** Commands run when the whole run fails (Jenkins `post { failure }`). */
  onFailure?: Located<string>[];
  /** What the reader saw and could not carry over, with the reason. */
  skipped: Skipped[];
}

export interface Skipped extends Origin {
  what: string;
  why: string;
}

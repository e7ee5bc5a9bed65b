/**
 * The one table of actions mlgen's workflows use, each pinned to a full commit SHA: a tag can
 * be moved to other code, a SHA cannot. The version is written next to it as a comment so
 * people (and Dependabot) can read and bump it.
 *
 * Each SHA was checked against two independent sources (public workflows pinning
 * `<action>@<sha> # <version>` and the action's release); update SHA and version together.
 */
export interface PinnedAction {
  /** `owner/repo` as written before the `@`. */
  repository: string;
  /** The 40-hex commit the version tag points at. */
  sha: string;
  /** The release tag, e.g. `v4.2.2`. */
  version: string;
}

export const ACTIONS = {
  checkout: { repository: 'actions/checkout', sha: '11bd71901bbe5b1630ceea73d27597364c9af683', version: 'v4.2.2' },
  setupPython: { repository: 'actions/setup-python', sha: 'a26af69be951a213d495a4c3e4e4022e16d87065', version: 'v5.6.0' },
  cache: { repository: 'actions/cache', sha: '5a3ec84eff668545956fd18022155c47e93e2684', version: 'v4.2.3' },
  uploadArtifact: { repository: 'actions/upload-artifact', sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02', version: 'v4.6.2' },
  downloadArtifact: { repository: 'actions/download-artifact', sha: 'd3f86a106a0bac45b974a628896c90dbdf5c8093', version: 'v4.3.0' },
  // v3.4.0 (March 2025): the SHA many public workflows pin as `# v3.4.0`; it reads the
  // password from its input, never from the command line, and logs out in its post step.
  // v7.0.1: the SHA public workflows pin as `# v7.0.1`; it posts the gate's PR comment with the job's token.
  githubScript: { repository: 'actions/github-script', sha: '60a0d83039c74a4aee543508d2ffcb1c3799cdea', version: 'v7.0.1' },
  dockerLogin: { repository: 'docker/login-action', sha: '74a5d142397b4f367a81961eba4e8cd7edddf772', version: 'v3.4.0' },
} as const satisfies Record<string, PinnedAction>;

export type ActionName = keyof typeof ACTIONS;

/** The `uses:` value: `owner/repo@sha`. */
export function usesRef(name: ActionName): string {
  const action = ACTIONS[name];
  return `${action.repository}@${action.sha}`;
}

/** The version for a `uses:` value from the table, for the comment beside it; undefined for anything else. */
export function versionOf(uses: string): string | undefined {
  return Object.values(ACTIONS).find((a) => `${a.repository}@${a.sha}` === uses)?.version;
}

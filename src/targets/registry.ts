/** The one list of targets. Adding a platform is a folder under targets/ and a line here. */
import type { TargetId } from '../plan/index.js';
import { azureTarget } from './azure/index.js';
import { githubTarget } from './github/index.js';
import { gitlabTarget } from './gitlab/index.js';
import { jenkinsTarget } from './jenkins/index.js';
import type { Target } from './types.js';

export const TARGETS: Readonly<Record<TargetId, Target>> = {
  github: githubTarget,
  gitlab: gitlabTarget,
  azure: azureTarget,
  jenkins: jenkinsTarget,
};

export function targetFor(id: TargetId): Target {
  return TARGETS[id];
}

// Stand-in for actions/download-artifact v4 (https://github.com/actions/download-artifact/blob/v4.3.0/src/download-artifact.ts):
// a named artifact goes into path itself, several go into path/<name> unless merge-multiple.
import * as core from '@actions/core';
import { DefaultArtifactClient } from '@actions/artifact';
import { resolve, join } from 'node:path';

/** A glob on names, as minimatch would read the simple patterns workflows use (`*`, `?`). */
const patternTest = (pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

async function run() {
  try {
    const client = new DefaultArtifactClient();
    const name = core.getInput('name');
    const target = resolve(process.env.GITHUB_WORKSPACE, core.getInput('path') || '.');
    let downloads;
    if (name) {
      let found;
      try {
        found = (await client.getArtifact(name)).artifact;
      } catch (error) {
        throw new Error(`Unable to download artifact(s): Artifact not found for name: ${name}
        Please ensure that your artifact is not expired and the artifact was uploaded using a compatible version of toolkit/upload-artifact.
        (${error instanceof Error ? error.message : error})`);
      }
      downloads = [{ artifact: found, path: target }];
    } else {
      const { artifacts } = await client.listArtifacts({ latest: true });
      const pattern = core.getInput('pattern');
      const chosen = pattern ? artifacts.filter((a) => patternTest(pattern).test(a.name)) : artifacts;
      const merge = core.getBooleanInput('merge-multiple');
      downloads = chosen.map((artifact) => ({ artifact, path: merge || chosen.length === 1 && !pattern ? target : join(target, artifact.name) }));
    }
    for (const { artifact, path } of downloads) {
      await client.downloadArtifact(artifact.id, { path });
      core.info(`Artifact ${artifact.name} (id ${artifact.id}) downloaded to ${path}`);
    }
    core.setOutput('download-path', target);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

run();

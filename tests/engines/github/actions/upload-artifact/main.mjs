// Stand-in for actions/upload-artifact v4. File search and the root directory (which decides
// the paths inside the artifact) follow https://github.com/actions/upload-artifact/blob/v4.6.2/src/shared/search.ts.
import * as core from '@actions/core';
import * as glob from '@actions/glob';
import { DefaultArtifactClient } from '@actions/artifact';
import { statSync } from 'node:fs';
import { dirname, sep } from 'node:path';

/** The longest directory prefix the search paths share (search.ts getMultiPathLCA). */
function commonDirectory(paths) {
  const split = paths.map((p) => p.split(sep));
  const shared = [];
  for (let i = 0; split.every((parts) => i < parts.length && parts[i] === split[0][i]); i++) shared.push(split[0][i]);
  return shared.join(sep) || sep;
}

async function run() {
  try {
    const name = core.getInput('name') || 'artifact';
    const pathInput = core.getInput('path', { required: true });
    const ifNoFiles = core.getInput('if-no-files-found') || 'warn';
    if (!['warn', 'error', 'ignore'].includes(ifNoFiles)) throw new Error(`if-no-files-found must be warn, error or ignore, got '${ifNoFiles}'`);
    const globber = await glob.create(pathInput, { excludeHiddenFiles: !core.getBooleanInput('include-hidden-files') });
    const matches = await globber.glob();
    const files = [...new Set(matches.filter((m) => statSync(m).isFile()))].sort();
    const searchPaths = globber.getSearchPaths();
    if (files.length === 0) {
      const message = `No files were found with the provided path: ${pathInput}. No artifacts will be uploaded.`;
      if (ifNoFiles === 'error') throw new Error(message);
      if (ifNoFiles === 'warn') core.warning(message);
      else core.info(message);
      return;
    }
    let root;
    if (searchPaths.length > 1) root = commonDirectory(searchPaths);
    else root = files.length === 1 && searchPaths[0] === files[0] ? dirname(files[0]) : searchPaths[0];
    core.info(`With the provided path, there will be ${files.length} file(s) uploaded, relative to ${root}`);

    const client = new DefaultArtifactClient();
    if (core.getBooleanInput('overwrite')) {
      try {
        await client.deleteArtifact(name);
      } catch {
        core.debug(`no artifact named ${name} to overwrite`);
      }
    }
    const options = { compressionLevel: Number(core.getInput('compression-level') || '6') };
    const retention = core.getInput('retention-days');
    if (retention) options.retentionDays = Number(retention);
    const { id, size, digest } = await client.uploadArtifact(name, files, root, options);
    core.info(`Artifact ${name} has been successfully uploaded! Final size is ${size} bytes. Artifact ID is ${id}`);
    core.setOutput('artifact-id', String(id));
    core.setOutput('artifact-digest', digest ?? '');
    core.setOutput('artifact-url', `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}/artifacts/${id}`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

run();

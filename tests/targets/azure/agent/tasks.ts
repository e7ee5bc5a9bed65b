/**
 * The tasks and step shortcuts mlgen's azure-pipelines.yml uses, done on this machine the way
 * the task reference describes. A task this file does not know fails the step, naming it.
 */
import { existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expandMacros } from '../expressions.js';
import type { JobContext } from './steps.js';
import { checkout, copyFiles, resolveIn } from './workspace.js';

type Doc = Record<string, any>;

function inputsOf(step: Doc, ctx: JobContext): Record<string, string> {
  return Object.fromEntries(Object.entries((step.inputs ?? {}) as Doc).map(([k, v]) => [k, expandMacros(String(v), ctx.variables)]));
}

let hostPython: string | undefined;

export async function runTask(step: Doc, ctx: JobContext): Promise<string> {
  if (step.checkout !== undefined) {
    // `checkout: none` fetches nothing; `self` the run's repository at Build.SourceVersion.
    if (step.checkout === 'none') return 'checkout: none';
    if (step.checkout !== 'self') throw new Error(`checkout: ${step.checkout}: only self and none are simulated`);
    return checkout(ctx.ws, ctx.source, step.fetchDepth === undefined ? undefined : Number(step.fetchDepth));
  }
  if (step.publish !== undefined) {
    // The `publish` shortcut is PublishPipelineArtifact@1; a relative path is under
    // $(System.DefaultWorkingDirectory) (https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/steps-publish).
    return ctx.artifacts.publish(String(step.artifact ?? 'drop'), resolveIn(ctx.ws, expandMacros(String(step.publish), ctx.variables)), ctx.id);
  }
  if (step.download !== undefined) {
    // `download: none` turns off a deployment's automatic download; `current` downloads to
    // $(Pipeline.Workspace)/<artifact> (https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/steps-download).
    if (step.download === 'none') return 'download: none';
    if (step.download !== 'current') throw new Error(`download: ${step.download}: only current and none are simulated`);
    const name = step.artifact === undefined ? undefined : String(step.artifact);
    return ctx.artifacts.download(name, name ? join(ctx.ws.root, name) : ctx.ws.root);
  }
  const task = String(step.task ?? '');
  const inputs = inputsOf(step, ctx);
  switch (task) {
    case 'UsePythonVersion@0': {
      // Selects a Python from the agent's tool cache (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/use-python-version-v0).
      // Here: a check that this machine's python3 is the version asked for; it stays on PATH.
      hostPython ??= execFileSync('python3', ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).trim();
      const spec = inputs.versionSpec ?? '3.x';
      const wanted = spec.replace(/\.x$/, '');
      if (hostPython !== wanted && !hostPython.startsWith(`${wanted}.`)) throw new Error(`Version spec ${spec} for architecture x64 did not match any version in Agent.ToolsDirectory (this machine has ${hostPython}).`);
      return `Found tool in cache: Python ${hostPython}`;
    }
    case 'Cache@2':
      // A first run of the key: a miss, nothing restored; the post-job save is not simulated
      // (https://learn.microsoft.com/azure/devops/pipelines/release/caching).
      return `Cache miss: ${inputs.key ?? ''}`;
    case 'CopyFiles@2': {
      const source = resolveIn(ctx.ws, inputs.SourceFolder ?? inputs.sourceFolder ?? ctx.ws.sources);
      const target = resolveIn(ctx.ws, inputs.TargetFolder ?? inputs.targetFolder ?? '');
      const copied = copyFiles(source, inputs.Contents ?? inputs.contents ?? '**', target);
      return `Copied ${copied.length} files: ${copied.join(', ')}`;
    }
    case 'PublishPipelineArtifact@1':
      return ctx.artifacts.publish(inputs.artifact ?? inputs.artifactName ?? 'drop', resolveIn(ctx.ws, inputs.targetPath ?? inputs.path ?? ctx.ws.sources), ctx.id);
    case 'DownloadPipelineArtifact@2': {
      // buildType current: this run's artifacts into targetPath, default $(Pipeline.Workspace)
      // (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/download-pipeline-artifact-v2).
      const source = inputs.buildType ?? inputs.source ?? 'current';
      if (source !== 'current') throw new Error(`DownloadPipelineArtifact@2 buildType ${source}: only current is simulated`);
      const name = inputs.artifactName ?? inputs.artifact;
      return ctx.artifacts.download(name, resolveIn(ctx.ws, inputs.targetPath ?? inputs.path ?? ctx.ws.root));
    }
    case 'ManualValidation@1': {
      // Agentless only; the run waits until someone resumes (approves) or rejects it, or the
      // timeout's onTimeout decides (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/manual-validation-v1).
      if (!ctx.agentless) throw new Error('ManualValidation@1 runs only in an agentless job (pool: server)');
      if (ctx.approve(ctx.id, inputs)) return 'Resumed: approved';
      throw new Error('Rejected: the manual validation was rejected');
    }
    case 'Docker@2': {
      // command login: docker login with the Docker Registry service connection's credentials
      // (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/docker-v2#login).
      if (inputs.command !== 'login') throw new Error(`Docker@2 command ${inputs.command}: only login is simulated`);
      const env = { ...ctx.baseEnv, PATH: [...ctx.prependPath, ctx.baseEnv.PATH ?? ''].join(':') };
      const login = spawnSync('docker', ['login', '--username', 'service-connection', '--password-stdin', inputs.containerRegistry ?? ''], { cwd: ctx.ws.sources, env, input: 'service-connection-secret', encoding: 'utf8' });
      if (login.status !== 0) throw new Error(`docker login failed: ${login.stdout}${login.stderr}`);
      return login.stdout;
    }
    case 'PublishTestResults@2': {
      // Publishes test result files to the run's Tests tab; no matching file is a warning, not a
      // failure, unless failTaskOnMissingResultsFile (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/publish-test-results-v2).
      const pattern = inputs.testResultsFiles ?? '**/TEST-*.xml';
      const file = resolveIn(ctx.ws, pattern);
      if (!existsSync(file)) {
        if (String(inputs.failTaskOnMissingResultsFile) === 'true') throw new Error(`No test result files matching ${pattern} were found.`);
        return `##[warning]No test result files matching ${pattern} were found.`;
      }
      return `Publishing test results from ${pattern} (${inputs.testResultsFormat ?? 'JUnit'})`;
    }
    default:
      throw new Error(`the simulator does not know task ${task || JSON.stringify(step)}`);
  }
}

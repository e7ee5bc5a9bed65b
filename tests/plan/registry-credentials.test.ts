/**
 * Registry credentials are decided in the plan (issue 11 cleanup, platform-review GitHub item 1):
 * the `registry-login` step names the secrets and the stored credential, and every target's
 * login uses exactly those names. GitHub's and Azure's logins are read from the parsed files
 * (the step's inputs); GitLab's login script is run with a stand-in docker that records what it
 * is asked; Jenkins' credential id is read from its withCredentials binding.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generate } from '../../src/engine/generate.js';
import type { RegistryLoginStep } from '../../src/plan/index.js';

const MANIFEST = 'version: 1\nname: creds\ndefaults: { install: "true", cache: [] }\ntrain: { run: "true" }\npackage: { image: registry.example.com/acme/model }\n';
const result = generate(MANIFEST, { manifestPath: 'mlgen.yaml' });
if (!result.ok) throw new Error('the manifest does not generate');
const file = (path: string) => result.files.find((f) => f.path === path)!.content;
const login = result.plan.jobs.flatMap((j) => j.steps).find((s): s is RegistryLoginStep => s.type === 'registry-login')!;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Doc = Record<string, unknown>;

describe('registry credentials come from the plan', () => {
  it('the plan decides the names: two secrets and one stored credential', () => {
    expect(login).toEqual({
      type: 'registry-login',
      label: 'Log in to the registry',
      registry: 'registry.example.com',
      credentials: { username: 'REGISTRY_USERNAME', password: 'REGISTRY_PASSWORD', id: 'creds-registry' },
    });
  });

  it('GitHub: docker/login-action reads the plan-named secrets', () => {
    const jobs = (parse(file('.github/workflows/mlgen-ci.yml')) as { jobs: Record<string, { steps: Doc[] }> }).jobs;
    const step = jobs.package!.steps.find((s) => String(s.uses ?? '').startsWith('docker/login-action'))!;
    expect(step.with).toEqual({ registry: login.registry, username: `\${{ secrets.${login.credentials.username} }}`, password: `\${{ secrets.${login.credentials.password} }}` });
  });

  it('GitLab: the login script, run with the plan-named variables, logs in with them (stand-in docker)', () => {
    const pkg = (parse(file('.gitlab-ci.yml'), { version: '1.1' }) as Record<string, { script?: string[] }>).package!;
    const script = pkg.script!.find((line) => line.includes('docker login'))!;
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-creds-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'docker'), '#!/bin/sh\necho "docker $* with $(cat)"\n');
    chmodSync(join(dir, 'docker'), 0o755);
    const env = { PATH: `${dir}:${process.env.PATH}`, CI_REGISTRY: 'registry.gitlab.com', [login.credentials.username]: 'robot', [login.credentials.password]: 'pw-1' };
    expect(execFileSync('sh', ['-c', script], { env, encoding: 'utf8' })).toBe('docker login --username robot --password-stdin registry.example.com with pw-1\n');
  });

  it('Azure: Docker@2 logs in through the plan-named service connection', () => {
    const doc = parse(file('azure-pipelines.yml')) as Doc;
    const tasks = JSON.stringify(doc).match(/"task":"Docker@2"[^}]*"inputs":\{[^}]*\}/g) ?? [];
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toContain(`"containerRegistry":"${login.credentials.id}"`);
  });

  it('Jenkins: the login binds the plan-named credential', () => {
    expect(file('Jenkinsfile')).toMatch(new RegExp(`usernamePassword\\(credentialsId: '${login.credentials.id}'`));
  });
});

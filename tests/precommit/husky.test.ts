/**
 * The README's husky + lint-staged recipe, installed as written (husky and lint-staged from the
 * npm registry or a warm npm cache; mlgen from an `npm pack` tarball of this checkout, as the
 * README's Install section does, so nothing is installed into the checkout's node_modules)
 * and exercised by real commits: an invalid manifest and a stale generated file block the commit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, scratch } from '../files/cli.js';

const project = scratch('mlgen-husky-');
const env = { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com', NO_COLOR: '1', FORCE_COLOR: '0' };
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: project, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const commit = () => {
  const r = spawnSync('git', ['commit', '-q', '-m', 'change'], { cwd: project, env, encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
};

/** The recipe's lint-staged.config.mjs, read from the README so that the test checks what users copy. */
function recipeConfig(): string {
  const readme = readFileSync(join(CHECKOUT, 'README.md'), 'utf8');
  const block = /`lint-staged\.config\.mjs`[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no lint-staged.config.mjs block');
  return block;
}

describe('husky + lint-staged recipe (README)', () => {
  beforeAll(() => {
    sh('git', ['init', '-q', '-b', 'main']);
    writeFileSync(join(project, 'package.json'), '{ "name": "demo-project", "private": true }\n');
    writeFileSync(join(project, '.gitignore'), 'node_modules/\n');
    // The built package as it is now (--ignore-scripts: pack dist/ as built, do not rebuild it).
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], { cwd: CHECKOUT, env, encoding: 'utf8' }).trim().split('\n').pop()!;
    sh('npm', ['install', '--save-dev', '--no-audit', '--no-fund', join(project, tarball), 'husky@9', 'lint-staged@15']);
    sh('npx', ['husky', 'init']);
    writeFileSync(join(project, '.husky/pre-commit'), 'npx lint-staged\n');
    writeFileSync(join(project, 'lint-staged.config.mjs'), recipeConfig());
  }, 600_000);

  it('an invalid manifest blocks the commit with file:line:col', () => {
    writeFileSync(join(project, 'mlgen.yaml'), 'version: 1\nname: Demo Project\ntargets: [gitlab]\ntrain:\n  run: python train.py\n');
    sh('git', ['add', '-A']);
    const bad = commit();
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/mlgen\.yaml:2:7 error/);
    expect(() => sh('git', ['rev-parse', 'HEAD'])).toThrow();
  });

  it('a stale generated file blocks the commit with the advice; generate and add, and it commits', () => {
    writeFileSync(join(project, 'mlgen.yaml'), 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: python train.py\n');
    sh('git', ['add', '-A']);
    const missing = commit();
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('.gitlab-ci.yml: new');
    expect(missing.output).toContain('To bring the generated files up to date: mlgen generate');
    sh('npx', ['mlgen', 'generate', '--quiet']);
    sh('git', ['add', '-A']);
    const ok = commit();
    expect(ok.code, ok.output).toBe(0);

    writeFileSync(join(project, 'mlgen.yaml'), 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: python train.py --epochs 5\n');
    sh('git', ['add', 'mlgen.yaml']);
    const stale = commit();
    expect(stale.code).not.toBe(0);
    expect(stale.output).toContain('.gitlab-ci.yml: stale');
    sh('npx', ['mlgen', 'generate', '--quiet']);
    sh('git', ['add', '-A']);
    expect(commit().code).toBe(0);
    expect(sh('git', ['show', 'HEAD:.gitlab-ci.yml'])).toContain('--epochs 5');
  });
});

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStandinLog, standinEnvironment, type StandinOptions } from './standins.js';

const IMAGE = 'registry.example.com/risk/fraud-canary:0123abc';

/** A build context as a packaging job has it after downloading the model. */
function project(files: Record<string, string> = { 'model/model.json': '{}', Dockerfile: 'FROM python:3.11-slim\nCOPY model/ /model/\n' }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-standin-project-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** A shell session in one CI job, the stand-ins first on PATH. */
function session(options: StandinOptions = { image: IMAGE }, cwd = project()) {
  const standins = standinEnvironment(options);
  const run = (script: string, job = 'package') => {
    // MLGEN_STANDIN_JOB names the job, as GITHUB_JOB or CI_JOB_ID would under a CI system.
    const result = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, ...standins.env, MLGEN_STANDIN_JOB: job } });
    return { code: result.status, stderr: result.stderr, stdout: result.stdout };
  };
  return { run, calls: () => readStandinLog(standins.logFile), standins, cwd };
}

describe('recording stand-ins: docker', () => {
  it('records a build, login and push in one job, and accepts them', () => {
    const s = session();
    const result = s.run(`docker build -t "$MLGEN_IMAGE" . && printf pw | docker login registry.example.com --username ci --password-stdin && docker push "$MLGEN_IMAGE"`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(s.calls().map((c) => [c.subcommand, c.ok, c.job])).toEqual([
      ['build', true, 'package'],
      ['login', true, 'package'],
      ['push', true, 'package'],
    ]);
    expect(s.calls()[0]).toMatchObject({ argv: ['build', '-t', IMAGE, '.'], images: [IMAGE], env: { MLGEN_IMAGE: IMAGE } });
  });

  it('refuses a push with no login before it in the same job, with a clear message', () => {
    const s = session();
    const result = s.run(`docker build -t "$MLGEN_IMAGE" . && docker push "$MLGEN_IMAGE"`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('push to registry.example.com without a docker login to it earlier in this job (package)');
    expect(s.calls().at(-1)).toMatchObject({ subcommand: 'push', ok: false });
  });

  it('does not count a login made in another job', () => {
    const s = session();
    expect(s.run('printf pw | docker login registry.example.com -u ci --password-stdin', 'login-job').code).toBe(0);
    const result = s.run(`docker build -t "$MLGEN_IMAGE" . && docker push "$MLGEN_IMAGE"`, 'package');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('without a docker login');
  });

  it('does not count a login to another registry, nor one followed by a logout', () => {
    const s = session();
    expect(s.run(`docker build -t "$MLGEN_IMAGE" . && printf pw | docker login ghcr.io -u ci --password-stdin && docker push "$MLGEN_IMAGE"`).code).toBe(1);
    const t = session();
    const result = t.run(`docker build -t "$MLGEN_IMAGE" . && docker login registry.example.com -u ci -p pw && docker logout registry.example.com && docker push "$MLGEN_IMAGE"`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('it logged out');
    // A password on the command line is masked in the log.
    expect(t.calls()[1]?.argv).toEqual(['login', 'registry.example.com', '-u', 'ci', '-p', '***']);
  });

  it('accepts credentials configured in DOCKER_CONFIG (a credential helper) instead of a login', () => {
    const s = session();
    writeFileSync(join(s.standins.dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { 'registry.example.com': 'ecr-login' } }));
    expect(s.run(`docker build -t "$MLGEN_IMAGE" . && docker push "$MLGEN_IMAGE"`).code).toBe(0);
  });

  it('refuses a login without a password on stdin', () => {
    const s = session();
    const result = s.run('printf "" | docker login registry.example.com --username ci --password-stdin');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing came on stdin');
  });

  it('refuses to push an image the job did not build', () => {
    const s = session();
    const result = s.run(`docker login registry.example.com -u ci -p pw && docker push "$MLGEN_IMAGE"`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('An image does not exist locally with the tag');
  });

  it('refuses a build whose -t tag is not MLGEN_IMAGE', () => {
    const s = session();
    const result = s.run('docker build -t registry.example.com/risk/fraud-canary:latest .');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`expected MLGEN_IMAGE=${IMAGE}`);
  });

  it('refuses a build context without the trained model, or with an empty model directory', () => {
    const missing = session({ image: IMAGE }, project({ Dockerfile: 'FROM scratch\n' }));
    const result = missing.run('docker build -t "$MLGEN_IMAGE" .');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has no model/ (MLGEN_STANDIN_EXPECT_CONTEXT)');
    const empty = project({ Dockerfile: 'FROM scratch\n' });
    mkdirSync(join(empty, 'model'));
    expect(session({ image: IMAGE }, empty).run('docker build -t "$MLGEN_IMAGE" .').stderr).toContain('model/ in the build context . is empty');
  });

  it('checks the paths MLGEN_STANDIN_EXPECT_CONTEXT lists, and a missing Dockerfile', () => {
    const s = session({ image: IMAGE, expectContext: ['model/', 'metrics.json'] });
    expect(s.run('docker build -t "$MLGEN_IMAGE" .').stderr).toContain('has no metrics.json');
    const noDockerfile = session({ image: IMAGE }, project({ 'model/m.json': '{}' }));
    expect(noDockerfile.run('docker build -t "$MLGEN_IMAGE" .').stderr).toContain('no Dockerfile');
  });
});

describe('recording stand-ins: docker run (the container\'s command on the host, with only the variables it passes)', () => {
  it('runs the command in the mounted working directory; a variable not passed is not there, one passed by name or value is', () => {
    const s = session();
    const result = s.run(`A=1 B=2 docker run --rm --entrypoint sh --volume "$PWD:$PWD" --workdir "$PWD" --env A --env C=3 alpine:3.20 -c 'echo "[$A][\${B:-}][$C]"; test -f Dockerfile'`);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('[1][][3]\n');
    expect(result.code).toBe(0);
    const [call] = s.calls() as unknown as { subcommand: string; image: string; passed: string[] }[];
    expect(call).toMatchObject({ subcommand: 'run', image: 'alpine:3.20', passed: ['A', 'C'] });
  });

  it('gives the container command\'s exit status; refuses a working directory outside the mounts and an unknown entrypoint', () => {
    const s = session();
    expect(s.run(`docker run --rm --entrypoint sh --volume "$PWD:$PWD" --workdir "$PWD" alpine:3.20 -c 'exit 3'`).code).toBe(3);
    const outside = s.run(`docker run --rm --entrypoint sh --workdir "$PWD" alpine:3.20 -c true`);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/the working directory .* is not inside a mounted volume/);
    const entry = s.run(`docker run --rm --volume "$PWD:$PWD" --workdir "$PWD" alpine:3.20 true`);
    expect(entry.stderr).toMatch(/cannot know the image's entrypoint/);
  });
});

describe('recording stand-ins: failing on purpose and the other tools', () => {
  it('docker image inspect prints the JSON array docker prints (gitlab-ci-local reads a service image\'s exposed ports from it)', () => {
    const s = session();
    const result = s.run('docker image inspect docker:27.5.1-dind', 'gitlab-service');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ RepoTags: ['docker:27.5.1-dind'], Config: { ExposedPorts: null } })]);
    expect(s.calls().map((c) => c.subcommand)).toEqual(['inspect']);
  });

  it('fails exactly the calls MLGEN_STANDIN_FAIL names', () => {
    const s = session({ image: IMAGE, fail: ['docker:push', 'kubectl'] });
    expect(s.run(`docker build -t "$MLGEN_IMAGE" .`).code).toBe(0);
    const push = s.run(`docker login registry.example.com -u ci -p pw && docker push "$MLGEN_IMAGE"`);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain("failing 'docker push' on purpose");
    expect(s.run('kubectl get pods').code).toBe(1);
    expect(s.run('helm list').code).toBe(0);
  });

  it('records helm, kubectl and az, and checks a local chart and applied files exist', () => {
    const s = session({ image: IMAGE }, project({ 'chart/Chart.yaml': 'name: x\n', 'k8s/deploy.yaml': 'kind: Deployment\n' }));
    expect(s.run('helm upgrade --install fraud ./chart --set image=$MLGEN_IMAGE && kubectl apply -f k8s/deploy.yaml && az account show').code).toBe(0);
    expect(s.calls().map((c) => `${c.tool} ${c.subcommand}`)).toEqual(['helm upgrade', 'kubectl apply', 'az account']);
    expect(s.run('helm upgrade --install fraud ./missing').stderr).toContain("chart './missing' is not a directory with Chart.yaml");
    expect(s.run('kubectl apply -f k8s/missing.yaml').stderr).toContain('k8s/missing.yaml does not exist');
  });

  it('refuses to run without a log to record to', () => {
    const result = spawnSync(join(new URL('./bin/', import.meta.url).pathname, 'docker'), ['version'], { encoding: 'utf8', env: { ...process.env, MLGEN_STANDIN_LOG: '' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('MLGEN_STANDIN_LOG is not set');
  });
});

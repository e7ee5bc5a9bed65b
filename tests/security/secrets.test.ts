/**
 * Secrets are referenced by name in each platform's own syntax, never written, never echoed:
 * GitHub through step `env:` (never inside `run:`), Azure through step `env:` mapping
 * `$(NAME)`, Jenkins through withCredentials string bindings (never inside a GString), GitLab through CI/CD
 * variables (no `variables:` entry, no `echo $NAME`, no `set -x`). And validate refuses a
 * credential-looking value anywhere, naming the key and never the value, in its diagnostics
 * and its --json output, without flagging realistic commands.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import { toYaml, type GeneratedFile } from '../../src/files/index.js';
import { formatDiagnostics, loadManifest } from '../../src/manifest/index.js';
import { maskCredentials, secretKind } from '../../src/manifest/secrets.js';
import { runCli, scratch } from '../files/cli.js';
import { fixtureText } from '../support/harness.js';
import { groovyLiterals } from './groovy-literals.js';

const SECRETS = ['REGISTRY_PASSWORD', 'MLFLOW_TRACKING_TOKEN', 'HF_TOKEN'];
const spec = fixtureText('spec-complete').replace('secrets: [REGISTRY_PASSWORD, MLFLOW_TRACKING_TOKEN]', `secrets: [${SECRETS.join(', ')}]`);
let files: GeneratedFile[];

beforeAll(() => {
  const result = generate(spec, { manifestPath: 'mlgen.yaml' });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  expect(result.plan.secrets).toEqual(SECRETS);
  files = result.files;
});

const fileNamed = (path: string) => files.find((f) => f.path === path)!;
type Step = { run?: string; bash?: string; env?: Record<string, string> };

describe('secrets by reference, per target', () => {
  it('GitHub: each secret only as `NAME: ${{ secrets.NAME }}` in a step env, never in run:', () => {
    const workflows = files.filter((f) => f.path.startsWith('.github/workflows/'));
    let steps = 0;
    for (const file of workflows) {
      const doc = parse(file.content) as { env?: object; jobs: Record<string, { env?: object; steps: Step[] }> };
      expect(JSON.stringify(doc.env ?? {})).not.toMatch(/secrets\./);
      for (const job of Object.values(doc.jobs)) {
        expect(JSON.stringify(job.env ?? {})).not.toMatch(/secrets\./);
        for (const step of job.steps) {
          expect(step.run ?? '').not.toMatch(/secrets\.|\$\{\{/);
          for (const [key, value] of Object.entries(step.env ?? {})) {
            const name = /^\$\{\{ secrets\.(\w+) \}\}$/.exec(value)?.[1];
            if (name) expect(name === key || (key === 'GHCR_TOKEN' && name === 'GITHUB_TOKEN')).toBe(true);
          }
          if (step.run !== undefined && step.env && SECRETS.every((s) => s in step.env!)) steps++;
        }
      }
      // Nothing but those env entries mentions secrets.
      const mentions = file.content.match(/secrets\.\w+/g) ?? [];
      const inEnv = file.content.match(/^\s+(\w+): \$\{\{ secrets\.\1 \}\}$/gm) ?? [];
      // docker/login-action reads a registry's credentials as inputs (src/targets/github/registry.ts).
      const loginInputs = file.content.match(/^\s+(username|password): \$\{\{ secrets\.(?!GITHUB_TOKEN\b)\w+ \}\}$/gm) ?? [];
      expect(mentions.length).toBe(inEnv.length + loginInputs.length + (file.content.match(/secrets\.GITHUB_TOKEN/g)?.length ?? 0));
    }
    expect(steps).toBeGreaterThan(10);
  });

  it('Azure: each secret mapped into step env as $(NAME), never in a script or in variables', () => {
    const doc = parse(fileNamed('azure-pipelines.yml').content) as Record<string, unknown>;
    expect(JSON.stringify(doc.variables ?? {})).not.toMatch(new RegExp(SECRETS.join('|')));
    const bashSteps: Step[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (typeof (node as Step).bash === 'string') bashSteps.push(node as Step);
        Object.values(node).forEach(walk);
      }
    };
    walk(doc);
    expect(bashSteps.length).toBeGreaterThan(10);
    for (const step of bashSteps) {
      for (const name of SECRETS) {
        expect(step.bash).not.toContain(`$(${name})`);
        if (step.env?.[name] !== undefined) expect(step.env[name]).toBe(`$(${name})`);
      }
    }
    expect(bashSteps.filter((s) => SECRETS.every((n) => s.env?.[n] === `$(${n})`)).length).toBeGreaterThan(10);
  });

  it('Jenkins: withCredentials binds each secret by name; no GString mentions one', () => {
    for (const file of files.filter((f) => f.path.endsWith('Jenkinsfile'))) {
      for (const name of SECRETS) expect(file.content).toContain(`string(credentialsId: '${name}', variable: '${name}')`);
      for (const literal of groovyLiterals(file.content)) {
        if (literal.quote.startsWith('"')) for (const name of SECRETS) expect(literal.body).not.toContain(name);
      }
      // Outside comments, a name appears only inside single-quoted strings (the binding's id and variable, the user's commands).
      const code = file.content.split('\n').filter((line) => !line.trimStart().startsWith('//')).join('\n');
      const mentions = SECRETS.map((n) => (code.match(new RegExp(`\\b${n}\\b`, 'g')) ?? []).length);
      const quoted = SECRETS.map((n) => groovyLiterals(code).filter((l) => l.quote === "'" && l.body.includes(n)).map((l) => (l.body.match(new RegExp(`\\b${n}\\b`, 'g')) ?? []).length).reduce((a, b) => a + b, 0));
      mentions.forEach((count, i) => expect(count).toBe(quoted[i]!));
      expect(mentions.every((count) => count > 0)).toBe(true);
    }
  });

  it('GitLab: no variable defines a secret, and no script echoes one or traces the shell', () => {
    const doc = parse(fileNamed('.gitlab-ci.yml').content, { version: '1.1' }) as Record<string, Record<string, unknown>>;
    const variables = [doc.variables, ...Object.values(doc).map((job) => (job && typeof job === 'object' ? job.variables : undefined))];
    for (const v of variables) for (const name of SECRETS) expect(Object.keys(v ?? {})).not.toContain(name);
    const scripts = Object.values(doc).flatMap((job) =>
      job && typeof job === 'object' ? (['before_script', 'script', 'after_script'] as const).flatMap((k) => (job[k] as string[] | undefined) ?? []) : [],
    );
    expect(scripts.length).toBeGreaterThan(10);
    for (const script of scripts) {
      expect(script).not.toMatch(/\bset -[a-z]*x|\bset -o xtrace/);
      for (const name of SECRETS) expect(script).not.toMatch(new RegExp(`(echo|printf)[^\\n|]*\\$\\{?${name}\\b`));
    }
  });

  it('no file holds anything credential-looking; the only trace of a secret is its name', () => {
    for (const file of files) {
      expect(secretKind(file.content.replace(/mlgen:(manifest|content)=[0-9a-f]+/g, '')), file.path).toBeUndefined();
    }
  });
});

const TOKENS: [string, string][] = [
  ['ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5', 'a GitHub token'],
  ['gho_' + 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5', 'a GitHub token'],
  ['github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'a GitHub token'],
  ['glpat-' + 'xY7zK2mN9pQ4rS6tU8vW', 'a GitLab token'],
  ['AKIA' + 'IOSFODNN7EXAMPLE', 'an AWS access key'],
  ['ASIA' + 'IOSFODNN7EXAMPLE', 'an AWS access key'],
  ['xoxp-' + '1234567890-abcdefghij', 'a Slack token'],
  ['sk-' + 'proj-abcdefghijklmnopqrstuvwxyz012345', 'an API secret key'],
  ['hf_' + 'abcdefghijklmnopqrstuvwxyzABCDEFGH12', 'a Hugging Face token'],
  ['Zx8Qm2Lr7Tn4Vb9Kc3Hd6Jf1Wg5Ps0YeAu', 'a long random-looking string'],
];

/** Places a value can sit: a command, a URL, a list item, a free-form override and a KEY. */
const PLACES: [string, (token: string) => string][] = [
  ['a command', (t) => toYaml({ version: 1, name: 'm', train: { run: `curl -H "Authorization: Bearer ${t}" https://api.example.com` } })],
  ['a URL', (t) => toYaml({ version: 1, name: 'm', deploy: { staging: { run: './d.sh', url: `https://s.example.com/?token=${t}` } } })],
  ['an enum value', (t) => toYaml({ version: 1, name: 'm', targets: [t], train: { run: 'x' } })],
  ['an override value', (t) => toYaml({ version: 1, name: 'm', train: { run: 'x' }, overrides: { gitlab: { variables: { TOKEN: t } } } })],
  ['an override key', (t) => toYaml({ version: 1, name: 'm', train: { run: 'x' }, overrides: { github: { env: { [t]: 'x' } } } })],
  ['an unknown key', (t) => toYaml({ version: 1, name: 'm', train: { run: 'x', [t]: 1 } })],
];

describe('validate refuses credential-looking values, naming the key and never the value', () => {
  for (const [token, kind] of TOKENS) {
    it.each(PLACES)(`${kind} in %s`, (_, build) => {
      const text = build(token);
      const result = loadManifest(text, 'mlgen.yaml');
      expect(result.ok).toBe(false);
      const found = result.diagnostics.filter((d) => d.message.includes('looks like a credential'));
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]!.message).toContain(`(${kind})`);
      expect(JSON.stringify(result.diagnostics)).not.toContain(token);
      expect(JSON.stringify(result.diagnostics)).not.toContain(token.slice(0, 24));
    });
  }

  it('maskCredentials hides every token in a source line and keeps columns', () => {
    for (const [token] of TOKENS) {
      const line = `    run: curl -H "Authorization: Bearer ${token}" https://api.example.com`;
      const masked = maskCredentials(line);
      expect(masked).not.toContain(token);
      expect(masked).toHaveLength(line.length);
      expect(masked).toContain('https://api.example.com');
    }
  });

  it('through the CLI: neither validate --json nor generate --json prints the value', async () => {
    const dir = scratch('mlgen-secret-');
    const token = TOKENS[0]![0];
    writeFileSync(join(dir, 'mlgen.yaml'), PLACES[0]![1](token));
    const json = await runCli(['validate', '--json'], dir);
    const generated = await runCli(['generate', '--json', '--out', 'out'], dir);
    expect([json.code, generated.code]).toEqual([1, 1]);
    for (const run of [json, generated]) expect(run.stdout + run.stderr).not.toContain(token);
    expect(json.stdout).toContain('train.run looks like a credential (a GitHub token)');
  });

  it('the plain (human) output does not echo the token in the quoted source line', async () => {
    const dir = scratch('mlgen-secret-');
    const token = TOKENS[0]![0];
    writeFileSync(join(dir, 'mlgen.yaml'), PLACES[0]![1](token));
    const plain = await runCli(['validate'], dir);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('train.run looks like a credential');
    expect(plain.stderr).not.toContain(token);
  });

  it('formatDiagnostics masks the quoted source line itself: the place, without the value', () => {
    const text = PLACES[0]![1](TOKENS[0]![0]);
    const result = loadManifest(text, 'mlgen.yaml');
    const out = formatDiagnostics(result.diagnostics, new Map([['mlgen.yaml', text]]));
    expect(out).toMatch(/^mlgen\.yaml:\d+:\d+ error: train\.run looks like a credential/);
    expect(out).not.toContain(TOKENS[0]![0]);
    expect(out).toContain('^');
  });
});

/** Commands from real ML projects: none may be mistaken for a credential. */
const REALISTIC = [
  'git checkout 3f786850e387550fdab836ed7e6dc881de23001b',
  'docker pull python@sha256:4c06e0a0d9a3e8b8f1f2c9f6d6e1d9b7e8c6a5f4d3c2b1a0f9e8d7c6b5a4f3e2',
  'python scripts/check.py --run-id 123e4567-e89b-12d3-a456-426614174000',
  'aws s3 sync s3://acme-ml-datasets/house-prices/2024-06-01/ data/ --exclude "*.tmp"',
  'huggingface-cli download sentence-transformers/all-MiniLM-L6-v2 --local-dir model/',
  'python train.py --model facebook/bart-large-cnn --tokenizer google/flan-t5-xxl',
  'gsutil cp gs://acme-models/house-prices/candidates/$MLGEN_VERSION/model.pkl model/',
  'curl -fsS https://api.example.com/v1/models/house-prices/versions/42?expand=metrics',
  'az ml job create -f jobs/train.yml --set inputs.data.path=azureml://datastores/workspaceblobstore/paths/data/',
  'kubectl -n ml set image deployment/house-prices model=registry.example.com/acme/house-prices:$MLGEN_VERSION',
  'echo "$REGISTRY_PASSWORD" | docker login -u AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  'mlflow run . -P alpha=0.5 --experiment-name house-prices-2024 --run-name nightly-$MLGEN_VERSION',
  'dvc exp run --set-param train.learning_rate=0.001 --set-param train.batch_size=256',
  'python -c "import base64; print(base64.b64decode(open(\'payload.b64\').read())[:10])"',
  'wandb artifact get acme/house-prices/model:v12 --root model/',
  'python eval.py --checkpoint checkpoints/epoch=09-step=12345-val_loss=0.1234.ckpt',
  // A checksum line as sha256sum writes it (hex, two spaces, file); a bare 64-hex word is a key (finding 7).
  'echo "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  model.bin" | sha256sum -c -',
  'torchrun --nproc_per_node=8 --master_port=29500 train.py --config configs/llama-7b-lora-r16-alpha32.yaml',
  'skopeo copy docker://ghcr.io/acme/model:$MLGEN_VERSION docker://registry.example.com/acme/model:latest',
  'python -m pytest tests/ -k "not slow" --junitxml=reports/junit.xml --cov=src --cov-report=xml',
  'export AWS_DEFAULT_REGION=eu-west-1 MODEL_BUCKET=s3://acme-models-prod-eu-west-1-123456789012',
  'sk-learn-report --output reports/ && xoxo-party --dry-run && hf_transfer --help',
];

describe('no false positives', () => {
  it.each(REALISTIC)('accepts %s', (command) => {
    expect(secretKind(command)).toBeUndefined();
    expect(loadManifest(toYaml({ version: 1, name: 'm', train: { run: command } }), 'mlgen.yaml').ok).toBe(true);
  });
});

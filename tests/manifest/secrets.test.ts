/**
 * Secrets: named in UPPER_SNAKE_CASE, never with a platform's prefix, never as values. A value
 * that looks like a credential is refused anywhere in the file, naming the key, never the value.
 */
import { describe, expect, it } from 'vitest';
import { secretKind } from '../../src/manifest/secrets.js';
import { accepts, at, BASE, diagnose, only, text } from './diagnose.js';

describe('secret names', () => {
  it('accepts UPPER_SNAKE_CASE names and defaults to none', () => {
    expect(accepts(text(...BASE, 'secrets: [REGISTRY_PASSWORD, MLFLOW_TRACKING_TOKEN, _PRIVATE, A1]')).secrets).toHaveLength(4);
    expect(accepts(text(...BASE)).secrets).toEqual([]);
  });

  it.each(['api_token', 'Api-Token', '1TOKEN', 'MY TOKEN'])('refuses %j', (name) => {
    const d = only(text(...BASE, `secrets: ["${name}"]`));
    expect(d.message).toBe('secrets[0]: a secret is named in UPPER_SNAKE_CASE, e.g. REGISTRY_PASSWORD; its value lives in the CI system');
    expect([d.line, d.column]).toEqual([5, 11]);
  });

  it.each(['MLGEN_TOKEN', 'GITHUB_TOKEN', 'CI_JOB_TOKEN', 'GITLAB_TOKEN', 'BUILD_ID', 'SYSTEM_ACCESSTOKEN', 'AGENT_NAME', 'JENKINS_URL', 'RUNNER_TEMP'])(
    'refuses the reserved name %s',
    (name) => {
      expect(only(text(...BASE, `secrets: [${name}]`)).message).toMatch(/^secrets\[0\]: a secret name may not start with MLGEN_, GITHUB_, RUNNER_, CI_/);
    },
  );

  it('refuses a name listed twice', () => {
    expect(at(only(text(...BASE, 'secrets: [API_TOKEN, API_TOKEN]')))).toBe('5:10 secrets: each secret is named once');
  });
});

const CREDENTIALS: [string, string][] = [
  ['ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5', 'a GitHub token'],
  ['github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'a GitHub token'],
  ['glpat-' + 'xY7zK2mN9pQ4rS6tU8vW', 'a GitLab token'],
  ['AKIA' + 'IOSFODNN7EXAMPLE', 'an AWS access key'],
  ['xoxb-' + '1234567890-abcdefghij', 'a Slack token'],
  ['-----BEGIN RSA PRIVATE KEY-----', 'a private key'],
  ['-----BEGIN OPENSSH PRIVATE KEY-----', 'a private key'],
  ['sk-' + 'proj-abcdefghijklmnopqrstuvwxyz012345', 'an API secret key'],
  ['hf_' + 'abcdefghijklmnopqrstuvwxyzABCDEFGH12', 'a Hugging Face token'],
  ['Zx8Qm2Lr7Tn4Vb9Kc3Hd6Jf1Wg5Ps0YeAu', 'a long random-looking string'],
];

describe('credential-looking values', () => {
  it.each(CREDENTIALS)('refuses %s as %s, naming the key and never the value', (secret, kind) => {
    const source = text(...BASE, 'checks:', '  - name: upload', `    run: ${JSON.stringify(`curl -H "Authorization: Bearer ${secret}" https://api.example.com`)}`);
    const d = only(source);
    expect(at(d)).toBe(`7:10 checks[0].run looks like a credential (${kind}); secret values never belong in the manifest`);
    expect(JSON.stringify(d)).not.toContain(secret);
    expect(d.hint).toMatch(/name the secret under `secrets:`/);
  });

  it('looks everywhere: sections, lists and free-form overrides', () => {
    const token = 'glpat-' + 'xY7zK2mN9pQ4rS6tU8vW';
    const diagnostics = diagnose(
      text(
        ...BASE,
        `  image: registry.example.com/${token}`,
        'deploy:',
        `  staging: { run: ./deploy.sh, url: "https://staging.example.com/?token=${token}" }`,
        'overrides:',
        '  gitlab:',
        '    variables:',
        `      TOKEN: ${token}`,
        'notify:',
        `  failure: [echo]`,
      ),
    );
    const credentials = diagnostics.filter((d) => d.message.includes('looks like a credential'));
    expect(credentials.map((d) => d.path.join('.'))).toEqual(['train.image', 'deploy.staging.url', 'overrides.gitlab.variables.TOKEN']);
    expect(diagnostics.every((d) => !d.message.includes(token))).toBe(true);
  });

  it.each([
    'python src/train.py --out model/ --metrics metrics.json',
    'git checkout 3f786850e387550fdab836ed7e6dc881de23001b',
    'docker pull python@sha256:4c06e0a0d9a3e8b8f1f2c9f6d6e1d9b7e8c6a5f4d3c2b1a0f9e8d7c6b5a4f3e2',
    'aws s3 sync s3://acme-ml-datasets/house-prices/2024-06-01/ data/ --exclude "*.tmp"',
    'pip install torch==2.3.0+cu121 --index-url https://download.pytorch.org/whl/cu121',
    'kubectl set image deployment/house-prices model=registry.example.com/acme/house-prices:$MLGEN_VERSION',
    'az ml model create --name house-prices --path azureml://jobs/$RUN_ID/outputs/artifacts/paths/model/',
    'mlflow models serve -m runs:/$RUN_ID/model --env-manager local',
    'dvc exp run --set-param train.learning_rate=0.001 --set-param train.epochs=50',
    'echo "$REGISTRY_PASSWORD" | docker login -u AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    'python scripts/check.py --run-id 123e4567-e89b-12d3-a456-426614174000',
    'curl -fsS -X POST -H "Content-Type: application/json" --data @payload.json "$SLACK_WEBHOOK_URL"',
    'gsutil -m cp -r gs://acme-models/house-prices/candidates/$MLGEN_VERSION/ model/',
    'python -m torch.distributed.run --nproc_per_node=8 --rdzv_endpoint=$MASTER_ADDR:29500 train.py',
    'sk-learn-report --output reports/',
    'export PYTHONHASHSEED=0 CUBLAS_WORKSPACE_CONFIG=:4096:8',
    'huggingface-cli download bert-base-multilingual-uncased-sentiment --local-dir model/',
    'python train.py --config configs/experiments/resnet50_imagenet_lr0.1_bs256_epochs90_cosine.yaml',
  ])('does not flag the realistic command %j', (command) => {
    expect(secretKind(command)).toBeUndefined();
    accepts(text(...BASE.slice(0, 3), `  run: ${JSON.stringify(command)}`));
  });

  it('does not flag the spec example commands that mention tokens by name', () => {
    accepts(text(...BASE, 'secrets: [MLFLOW_TRACKING_TOKEN]', 'notify:', '  failure: python scripts/notify.py --token "$MLFLOW_TRACKING_TOKEN"'));
  });
});

/**
 * The credential detector's table (src/manifest/secrets.ts, CREDENTIAL_PATTERNS), row by row
 * (security review, finding 7): an example of every format it names is refused as that format,
 * in a command and inside a URL, and the realistic near misses beside them are not. Examples
 * are built by concatenation so that no scanner takes this file for a leak.
 */
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_PATTERNS, secretKind } from '../../src/manifest/secrets.js';
import { accepts, at, BASE, only, text } from './diagnose.js';

const EXAMPLES: Record<string, string> = {
  'github-token': 'ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5',
  'github-fine-grained': 'github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
  'gitlab-token': 'gldt-' + 'Xy7zK2mN9pQ4rS6tU8vW',
  'aws-access-key': 'AKIA' + 'IOSFODNN7EXAMPLE',
  'slack-token': 'xoxb-' + '1234567890-abcdefghij',
  'slack-webhook': 'https://hooks.slack.com/services/' + 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
  'discord-webhook': 'https://discord.com/api/webhooks/' + '123456789012345678/abcdefghijklmnopqrstuvwxyzABCDEFGH',
  'teams-webhook': 'https://acme.webhook.office.com/webhookb2/' + '0a1b2c3d-0000-1111-2222-333344445555@abcd/IncomingWebhook/0123456789abcdef/xyz',
  jwt: 'eyJhbGciOiJIUzI1NiJ9' + '.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'url-password': 'https://deploy:' + 'hunter2hunter2@registry.example.com/v2/',
  'azure-client-secret': 'abc8Q~' + 'aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456_',
  'docker-hub-token': 'dckr_pat_' + 'aBcDeFgHiJkLmNoPqRsTuVwXyZ0',
  'sendgrid-key': 'SG.' + 'aBcDeFgHiJkLmNoPqRsTuV.wXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234',
  'private-key': '-----BEGIN EC ' + 'PRIVATE KEY-----',
  'api-secret-key': 'sk-' + 'proj-abcdefghijklmnopqrstuvwxyz012345',
  'hugging-face-token': 'hf_' + 'abcdefghijklmnopqrstuvwxyzABCDEFGH12',
  'hex-key': '4f3c2b1a' + '0e9d8c7b6a5f4e3d2c1b0a9f',
};

describe('CREDENTIAL_PATTERNS', () => {
  it('every row has an example here, and every example a row', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(CREDENTIAL_PATTERNS.map((p) => p.name).sort());
  });

  it.each(CREDENTIAL_PATTERNS.map((p) => [p.name, p.kind] as const))('%s: its example is refused as %s, alone, in a command and in a URL', (name, kind) => {
    const example = EXAMPLES[name]!;
    expect(secretKind(example)).toBe(kind);
    expect(secretKind(`curl -fsS -X POST --data @payload.json ${example}`)).toBe(kind);
    const d = only(text(...BASE, 'checks:', '  - name: notify', `    run: ${JSON.stringify(`./notify.sh "${example}"`)}`));
    expect(at(d)).toBe(`7:10 checks[0].run looks like a credential (${kind}); secret values never belong in the manifest`);
    expect(JSON.stringify(d)).not.toContain(example);
  });

  it('a random token inside a URL path is found (words with / are no longer skipped whole)', () => {
    expect(secretKind('https://api.example.com/v1/Zx8Qm2Lr7Tn4Vb9Kc3Hd6Jf1Wg5Ps0YeAu/status')).toBe('a long random-looking string');
  });

  it.each([
    'curl -u "deploy:$REGISTRY_PASSWORD" https://registry.example.com/v2/',
    'git clone https://oauth2:$GITLAB_TOKEN@gitlab.example.com/acme/x.git',
    'git clone https://user@gitlab.example.com/acme/x.git',
    'docker pull python@sha256:4c06e0a0d9a3e8b8f1f2c9f6d6e1d9b7e8c6a5f4d3c2b1a0f9e8d7c6b5a4f3e2',
    'git checkout 3f786850e387550fdab836ed7e6dc881de23001b',
    'python scripts/check.py --run-id 123e4567-e89b-12d3-a456-426614174000',
    'curl -fsS -X POST --data @payload.json "$SLACK_WEBHOOK_URL"',
    'echo https://hooks.slack.com/services/ is where alerts go',
    'python train.py --config configs/experiments/resnet50_imagenet_lr0.1_bs256.yaml',
    'sha256sum -c model.sha256 && echo ok',
  ])('does not flag the near miss %j', (command) => {
    expect(secretKind(command)).toBeUndefined();
  });
});

describe('marking a false positive: # mlgen: not-a-secret', () => {
  const value = EXAMPLES['hex-key']!;

  it('negative control: the same value without the comment is refused', () => {
    only(text(...BASE, 'checks:', '  - name: fixture', `    run: python check.py --expect ${value}`));
  });

  it('a comment at the end of the value\'s line accepts it', () => {
    accepts(text(...BASE, 'checks:', '  - name: fixture', `    run: python check.py --expect ${value}  # mlgen: not-a-secret (a test fixture's md5)`));
  });

  it('the comment on another line does not', () => {
    only(text(...BASE, 'checks:', '  # mlgen: not-a-secret', '  - name: fixture', `    run: python check.py --expect ${value}`));
  });
});

/**
 * Finding 9 of the security review: GitLab expands $VARIABLES in `image`, `artifacts:paths` and
 * `environment:url`, so `$SECRET` there sends a secret to a registry or shows it unmasked on the
 * Environments page. Those fields refuse "$" (src/manifest/grammar.ts) at its position.
 */
import { describe, it } from 'vitest';
import { expectRefusedAt, manifest, withTrain } from './field-refusal.js';

describe('finding 9: no $VARIABLE where GitLab expands it', () => {
  it('finding 9: $VARIABLE in fields GitLab expands (image, artifacts, environment url) is refused', () => {
    expectRefusedAt(manifest('defaults:', '  image: "registry.example.com/$SECRET/img"'), 'defaults.image', '"registry', /may not contain "\$": GitLab expands/);
    expectRefusedAt(withTrain('  image: "python:${TAG}"'), 'train.image', '"python', /may not contain "\$"/);
    expectRefusedAt(withTrain('  artifacts: ["$SECRET/model"]'), 'train.artifacts.0', '"$SECRET', /may not contain "\$": GitLab expands/);
    expectRefusedAt(manifest('deploy:', '  staging:', '    run: ./deploy.sh', '    url: "https://$CI_JOB_TOKEN.example.com"'), 'deploy.staging.url', '"https://$CI', /may not contain "\$".*unmasked/);
    expectRefusedAt(manifest('deploy:', '  production:', '    run: ./deploy.sh', '    url: "https://example.com/?t=${API_TOKEN}"'), 'deploy.production.url', '"https://example', /may not contain "\$"/);
  });

  it('a URL with a quote, a space or another scheme is refused too', () => {
    expectRefusedAt(manifest('deploy:', '  staging:', '    run: ./deploy.sh', '    url: "https://x.example.com/a b"'), 'deploy.staging.url', '"https://x', /may not contain a space|U\+0020/);
    expectRefusedAt(manifest('deploy:', '  staging:', '    run: ./deploy.sh', `    url: "https://x.example.com/a'b"`), 'deploy.staging.url', '"https://x', /may not contain "'"/);
    expectRefusedAt(manifest('deploy:', '  staging:', '    run: ./deploy.sh', '    url: "ftp://x.example.com"'), 'deploy.staging.url', '"ftp', /http\(s\) URL/);
  });
});

/**
 * platform-review, GitLab item "undocumented requirements": the header of .gitlab-ci.yml names
 * the GitLab version each keyword the file uses needs (rules:interruptible 16.10,
 * manual_confirmation 17.1) and the tier real approvals need (protected environments: Premium),
 * exactly when the file uses them.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixtureText, generateFor } from '../../support/harness.js';

function fileOf(text: string): { header: string; doc: Record<string, Record<string, unknown>> } {
  const content = generateFor(text, 'gitlab').files.find((f) => f.path === '.gitlab-ci.yml')!.content;
  const header = content.split('\n').filter((l) => l.startsWith('#')).join('\n');
  return { header, doc: parse(content, { version: '1.1' }) as Record<string, Record<string, unknown>> };
}
const jobs = (doc: Record<string, Record<string, unknown>>) => Object.values(doc).filter((j) => j && typeof j === 'object' && 'script' in j);
const usesInterruptibleRules = (doc: Record<string, Record<string, unknown>>) => jobs(doc).some((j) => ((j.rules ?? []) as Record<string, unknown>[]).some((r) => 'interruptible' in r));
const usesManualConfirmation = (doc: Record<string, Record<string, unknown>>) => jobs(doc).some((j) => 'manual_confirmation' in j);

describe('gitlab: the header names the versions and tier the file relies on', () => {
  // contract-complete is the 1.1 example; spec-complete the 1.0 one (approval: true), which c4e22b8 accepts.
  it.each([
    ['contract example: rules:interruptible (16.10), manual_confirmation (17.1) and protected environments (Premium) are used and named', 'contract-complete'],
    ['rules:interruptible (16.10), manual_confirmation (17.1) and protected environments (Premium) are used and named (1.0 manifest)', 'spec-complete'],
  ])('%s', (_name, fixture) => {
    const { header, doc } = fileOf(fixtureText(fixture));
    expect([usesInterruptibleRules(doc), usesManualConfirmation(doc)]).toEqual([true, true]);
    expect(header).toContain('GitLab 16.10 or later (rules:interruptible)');
    expect(header).toContain('17.1 for manual_confirmation');
    expect(header).toMatch(/protected environment[\s\S]*\(Premium\)/);
  });

  it('a manifest without an approval uses no manual_confirmation and names neither 17.1 nor Premium (control)', () => {
    const { header, doc } = fileOf('version: 1\nname: small\nchecks: [{ name: unit, run: pytest }]\ntrain: { run: python train.py, paths: [src/**] }\n');
    expect([usesInterruptibleRules(doc), usesManualConfirmation(doc)]).toEqual([true, false]);
    expect(header).toContain('GitLab 16.10 or later (rules:interruptible)');
    expect(header).not.toContain('17.1');
    expect(header).not.toContain('Premium');
  });
});

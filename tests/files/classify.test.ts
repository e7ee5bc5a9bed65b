import { describe, expect, it } from 'vitest';
import { classifyFiles, decideActions } from '../../src/files/classify.js';
import { addHeader, sha256 } from '../../src/files/header.js';

const info = { manifestPath: 'mlgen.yaml', version: '0.1.0' };
const file = (path: string, body: string) => addHeader({ path, body, comment: '#' }, info);

describe('classifyFiles', () => {
  const generated = [file('a.yml', 'a: 2\n'), file('b.yml', 'b: 1\n'), file('c.yml', 'c: 1\n'), file('d.yml', 'd: 1\n'), file('e.yml', 'e: 1\n')];
  const disk = new Map<string, string>([
    ['a.yml', file('a.yml', 'a: 1\n').content], // an older generation, untouched
    ['b.yml', generated[1]!.content], // identical
    ['c.yml', file('c.yml', 'c: 1\n').content.replace('c: 1', 'c: 5')], // edited below the header
    ['d.yml', 'd: 1\n'], // someone's own file
    ['gone.yml', file('gone.yml', 'x: 1\n').content], // generated before, no longer
    ['edited-gone.yml', file('edited-gone.yml', 'x: 1\n').content.replace('x: 1', 'x: 2')],
    ['other.yml', addHeader({ path: 'other.yml', body: 'o: 1\n', comment: '#' }, { ...info, manifestPath: 'svc/mlgen.yaml' }).content],
  ]);
  // A record without hashes (version 1): whether an orphan is untouched comes from its header.
  const recorded = new Map(['gone.yml', 'edited-gone.yml', 'other.yml', 'missing.yml', 'b.yml'].map((p) => [p, undefined]));
  const states = classifyFiles(generated, disk, recorded, 'mlgen.yaml');
  const status = Object.fromEntries(states.map((s) => [s.path, s.status]));

  it('gives every file one status', () => {
    expect(status).toEqual({
      'a.yml': 'stale',
      'b.yml': 'unchanged',
      'c.yml': 'hand-edited',
      'd.yml': 'foreign',
      'e.yml': 'new',
      'gone.yml': 'orphaned',
      'edited-gone.yml': 'orphaned',
    });
  });

  it('never treats another manifest’s file as an orphan of this one', () => {
    expect(status['other.yml']).toBeUndefined();
    const clash = classifyFiles([file('other.yml', 'o: 1\n')], disk, new Map(), 'mlgen.yaml');
    expect(clash[0]).toMatchObject({ status: 'foreign', reason: expect.stringContaining('svc/mlgen.yaml') });
  });

  it('writes new and stale files, refuses edits unless forced, removes only untouched orphans', () => {
    const actions = (force: boolean) => Object.fromEntries(decideActions(states, force).map((d) => [d.path, d.action]));
    expect(actions(false)).toEqual({
      'a.yml': 'write',
      'b.yml': 'skip',
      'c.yml': 'refuse',
      'd.yml': 'refuse',
      'e.yml': 'write',
      'gone.yml': 'remove',
      'edited-gone.yml': 'keep',
    });
    expect(actions(true)).toMatchObject({ 'c.yml': 'write', 'd.yml': 'write', 'edited-gone.yml': 'keep' });
  });
});

describe('classifyFiles with a record that holds what mlgen wrote (finding 5)', () => {
  const written = file('gone.yml', 'x: 1\n').content;
  const copy = file('gone.yml', 'x: 1\n').content; // a byte-identical backup under another name

  it('an orphan is a recorded path that still holds the recorded hash; a copy the record does not list is nobody\'s orphan', () => {
    const disk = new Map([['gone.yml', written], ['gone.v1.yml', copy]]);
    const states = classifyFiles([], disk, new Map([['gone.yml', sha256(written)]]), 'mlgen.yaml');
    expect(decideActions(states, false).map((d) => [d.path, d.action])).toEqual([['gone.yml', 'remove']]);
  });

  it('a recorded path whose content differs from the recorded hash is kept, even when its header hash matches', () => {
    const replaced = file('gone.yml', 'x: 2\n').content; // a valid mlgen file, but not what this record says mlgen wrote
    const states = classifyFiles([], new Map([['gone.yml', replaced]]), new Map([['gone.yml', sha256(written)]]), 'mlgen.yaml');
    expect(decideActions(states, false).map((d) => d.action)).toEqual(['keep']);
  });

  it('finding 20: a file checked out with CRLF (core.autocrlf) is unchanged, and a CRLF orphan still matches its hash', () => {
    const generated = file('a.yml', 'a: 1\n');
    const crlf = (text: string) => text.replace(/\n/g, '\r\n');
    expect(classifyFiles([generated], new Map([['a.yml', crlf(generated.content)]]), new Map(), 'mlgen.yaml')[0]!.status).toBe('unchanged');
    const states = classifyFiles([], new Map([['gone.yml', crlf(written)]]), new Map([['gone.yml', sha256(written)]]), 'mlgen.yaml');
    expect(decideActions(states, false).map((d) => d.action)).toEqual(['remove']);
  });
});

/**
 * An example is meant to be copied out as a repository of its own: `git add -A` there must
 * commit every file the example tracks here. An unanchored `data/` in its .gitignore also
 * ignores tests/data/, and the copy silently loses its data tests (found by act: the data-test
 * jobs of churn-propensity failed with "file or directory not found: tests/data/test_schema.py").
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

describe("an example's .gitignore ignores none of the files it tracks", () => {
  for (const name of readdirSync(EXAMPLES)) {
    it(name, () => {
      const cwd = `${EXAMPLES}${name}`;
      const tracked = execFileSync('git', ['ls-files', '.'], { cwd, encoding: 'utf8' }).split('\n').filter(Boolean);
      expect(tracked.length).toBeGreaterThan(0);
      // --no-index: judge the paths by the patterns alone, as a fresh repository would.
      let ignored = '';
      try {
        ignored = execFileSync('git', ['check-ignore', '--no-index', '--verbose', '--stdin'], { cwd, input: tracked.join('\n'), encoding: 'utf8' });
      } catch (error) {
        if ((error as { status?: number }).status !== 1) throw error; // 1: nothing ignored
      }
      expect(ignored.trim().split('\n').filter(Boolean)).toEqual([]);
    });
  }
});

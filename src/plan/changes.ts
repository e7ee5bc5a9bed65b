/**
 * "train.paths changed", written once (manifest-v1, What runs when). Targets print the inputs
 * in their own syntax (GitLab's rules:changes where the platform decides natively) or run
 * this script. It is POSIX sh, so it runs under dash (Jenkins' and Debian's /bin/sh) as under bash.
 */
import { shellWord } from '../escape/shell.js';
import type { TrainChanges } from './types.js';

/** Git's glob magic reads `**` across directories and `*` within one, as `train.paths` means them. */
export function pathspecs(paths: readonly string[]): string[] {
  return paths.map((p) => `:(glob)${p}`);
}

export function trainChanges(paths: readonly string[]): TrainChanges {
  const specs = pathspecs(paths).map(shellWord).join(' ');
  const script = [
    '# mlgen: did a file of train.paths change? Prints true or false (manifest-v1, What runs when).',
    'kind=${MLGEN_CHANGES_KIND:-unknown}',
    'target=${MLGEN_CHANGES_TARGET:-}',
    'before=${MLGEN_CHANGES_BEFORE:-}',
    'base=',
    '# A shallow clone has no merge base to find: fetch the history first.',
    '# MLGEN_CHANGES_OFFLINE (mlgen run) compares with what the clone has, fetching nothing.',
    'offline=${MLGEN_CHANGES_OFFLINE:-}',
    'if [ -z "$offline" ] && [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then',
    '  git fetch --quiet --no-tags --unshallow origin >/dev/null 2>&1 || true',
    'fi',
    'case "$kind" in',
    '  pr|branch)',
    '    # The merge base with the target (or release) branch: what the change as a whole touched.',
    '    if [ -n "$target" ]; then',
    '      ref=$(git rev-parse --verify --quiet "refs/remotes/origin/$target^{commit}" || true)',
    '      if [ -z "$ref" ] && [ -z "$offline" ]; then',
    '        git fetch --quiet --no-tags origin "+refs/heads/$target:refs/remotes/origin/$target" >/dev/null 2>&1 || true',
    '        ref=$(git rev-parse --verify --quiet "refs/remotes/origin/$target^{commit}" || true)',
    '      fi',
    '      if [ -z "$ref" ]; then ref=$(git rev-parse --verify --quiet "refs/heads/$target^{commit}" || true); fi',
    '      if [ -n "$ref" ]; then base=$(git merge-base HEAD "$ref" 2>/dev/null || true); fi',
    '    fi',
    '    ;;',
    '  release)',
    '    # The whole pushed range: every pushed commit counts, not only the last.',
    '    case "$before" in',
    "      ''|*[!0]*) ;;",
    '      *) before= ;;',
    '    esac',
    '    if [ -n "$before" ] && git cat-file -e "$before^{commit}" 2>/dev/null; then base=$before; fi',
    '    ;;',
    'esac',
    '# No base (a new history, a force push, a manual run): count it as changed.',
    'if [ -z "$base" ]; then',
    '  echo true',
    `elif git diff --quiet "$base" HEAD -- ${specs}; then`,
    '  echo false',
    'else',
    '  echo true',
    'fi',
  ].join('\n');
  return { paths: [...paths], script: `${script}\n` };
}

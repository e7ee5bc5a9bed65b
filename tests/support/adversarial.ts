/**
 * Shell commands that are hard to carry through YAML, Groovy and each platform's own
 * expression syntax unchanged. A target passes when the shell receives each of them byte for
 * byte. None contains "${{" (the manifest refuses it) and none looks like a credential.
 * They are harmless when run (no loops, no deletes); many simply fail with "not found".
 */
import fc from 'fast-check';

export const HOSTILE_COMMANDS: readonly string[] = [
  // quotes
  `echo 'single' "double" "it's" 'say "hi"'`,
  `python train.py --name "it's \\"quoted\\"" --glob '*.csv'`,
  `echo ''`,
  `echo "a""b"'c''d'`,
  // shell variables and substitutions
  'echo $HOME ${HOME} "$API_TOKEN" ${USER:-nobody} ${#PATH}',
  'echo $(date +%s) `whoami` $((1+2)) $$ $? $0 $@',
  'test -n "$MLGEN_VERSION" && echo "${MLGEN_VERSION:0:7}"',
  'VAR=value; export OTHER="$VAR"; echo "$OTHER"',
  // backslashes
  'printf "%s\\n" "a\\tb" C:\\\\path\\\\x \\\\server\\share',
  "sed -e 's/\\\\/\\//g' -e 's/[[:space:]]\\+$//' file.txt",
  'echo trailing backslash \\\\',
  // YAML: indicators, comments, colons, things YAML 1.1 reads as booleans and numbers
  '# not a comment',
  'echo "a: b" key: value # trailing',
  ': noop',
  '- dash first',
  '* star first',
  '& ampersand first',
  '! bang first',
  '| pipe first',
  '> greater first',
  '? question first',
  '@ at first',
  '[ -f model.pkl ] && echo present',
  '{ echo grouped; }',
  '%percent first 100% %d %%',
  'y',
  'on',
  'no',
  'off',
  'true',
  'null',
  '~',
  '010',
  '0x1F',
  '1e3',
  '.inf',
  '1:30',
  '"fully double quoted"',
  "'fully single quoted'",
  ' leading space',
  'trailing space ',
  // several lines
  'for f in *.py; do\n  echo "$f" | sed -e \'s/\\\\/\\//g\'\ndone',
  'set -euo pipefail\npython -m pip check\n\necho "blank line above"',
  'cat <<EOF > params.yaml\nlr: 0.1\n# comment in heredoc\nEOF',
  'python - <<\'PY\'\nimport json, sys\nprint(json.dumps({"a": 1, "b": [1, 2]}))\nPY',
  'echo first \\\n  continued',
  'echo indented\n    more indented\n  less',
  'echo one\n',
  // unicode
  'echo "naïve café ✓ 日本語 🚀 Ω ﬁ"',
  'echo "עברית العربية" # right to left',
  'echo "zero\u200bwidth" "non\u00a0breaking"',
  // Groovy (Jenkins): triple quotes, GStrings, slashy strings, escapes
  `echo '''triple''' """dq""" $/slashy/$ \${x} \\u0041 \\n`,
  'echo "${env.BUILD_ID}" \'${params.MODE}\' "$ {not} ${\'a\'}"',
  "echo ''' \"\"\" ''' end",
  // Azure ($(x), $[x], ${ x }), GitHub, GitLab, Handlebars, Make
  `echo "$(echo '$[ x ]')" '$(Build.SourceVersion)' '%{x}' '{{ x }}'`,
  'echo $(Build.BuildId) $[variables.x] ${ parameters.y } $[[ inputs.z ]]',
  'echo {{ handlebars }} {{{ triple }}} {{> partial}} {{!comment}}',
  'echo $$(escaped) $${double} ${CI_COMMIT_SHA}',
  'echo "${ {not} }" "$ {{ spaced }}" "{{ x }}"',
  // operators, redirections, globs
  'make test 2>&1 | tee log.txt || exit 1; true && echo ok',
  'python train.py > out.log 2> err.log < /dev/null &\nwait',
  'ls **/*.{py,ipynb} [abc]*.csv ?.txt !(skip)',
  'echo "semi;colon" \'pipe|char\' back`tick`',
  // long line
  `python train.py ${Array.from({ length: 30 }, (_, i) => `--flag-${i}=value-${i}`).join(' ')}`,
];

/** Short pieces combined into new commands (joined with spaces, so no "${{" can form). */
const FRAGMENTS: readonly string[] = [
  "'",
  '"',
  '`',
  '\\',
  '$',
  '$VAR',
  '${VAR}',
  '$(cmd)',
  '$[x]',
  '$(x)',
  '%',
  '%s',
  '#',
  ': ',
  '- ',
  '\n',
  '\n  ',
  "'''",
  '"""',
  '${',
  '{{',
  '}}',
  '}',
  '{',
  '&&',
  '|',
  ';',
  '*',
  'é',
  '日本',
  '🚀',
  'echo',
  'python',
  'train.py',
  '--flag=1',
  'x',
];

/** Hostile fragments joined by spaces, starting with a harmless word. */
const composedCommand: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 8 })
  .map((parts) => ['echo', ...parts].join(' '));

/** A hostile command: one of the list, or hostile fragments combined. */
export const hostileCommand: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_COMMANDS) },
  { weight: 1, arbitrary: composedCommand },
);

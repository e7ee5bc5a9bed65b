/**
 * Getting text through Azure Pipelines' three expression syntaxes intact (the one module for them).
 *
 * - `${{ … }}` (template expressions): the manifest refuses commands that contain `${{`.
 * - `$[ … ]` (runtime expressions): only a whole value in variables and conditions is one;
 *   mlgen puts no manifest text there.
 * - `$(name)` (macros): before a step runs, the agent replaces `$(name)` with the value of the
 *   variable `name` (case-insensitive) and leaves it alone when no such variable exists
 *   (https://learn.microsoft.com/azure/devops/pipelines/process/variables#macro-syntax-variables).
 *   A command such as `echo '$(Build.SourceVersion)'`, or `$(pwd)` in a project that happens to
 *   define a variable `pwd`, would reach the shell changed, or even carry a secret's value.
 *
 * Azure has no escape for macros. Its expansion is one left-to-right pass that never rescans
 * a value it inserted (azure-pipelines-agent, VarUtil.ExpandValues). So mlgen writes every
 * `$(` that could start a macro as `$(mlgen.dollarParen)`, a variable whose value is `$(`:
 * the agent turns it back into `$(` and continues after it, and the shell receives the
 * command as written. A candidate is `$(` followed by a non-empty run of non-whitespace up
 * to the next `)`: variable names cannot hold whitespace, so `$(date +%s)` stays as it is.
 */

/** The variable whose value is `$(`. Defined at the pipeline root when any text needs it. */
export const DOLLAR_PAREN = 'mlgen.dollarParen';

export function protectMacros(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('$(', from);
    if (open < 0) break;
    const close = text.indexOf(')', open + 2);
    if (close < 0) break;
    const name = text.slice(open + 2, close);
    out += text.slice(from, open) + (/^\S+$/.test(name) ? `$(${DOLLAR_PAREN})` : '$(');
    from = open + 2;
  }
  return out + text.slice(from);
}

/** A string literal for Azure's expression syntax ('' escapes a quote). */
export function exprString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A macro reference to a pipeline variable, e.g. a secret mapped into a step's env. */
export function macro(name: string): string {
  return `$(${name})`;
}

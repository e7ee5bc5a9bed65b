/**
 * A foreign command in mlgen's terms: a platform's own variables become the contract's
 * `MLGEN_*` variables or plain environment variables (secrets reach jobs as environment
 * variables on every target); a command that needs anything else is not carried over.
 */
export type Rewritten = { command: string; changed: boolean } | { why: string };

export interface VariableTable {
  /** The syntax of a variable reference on this platform, with the name as group 1. */
  pattern: RegExp;
  /** Platform variables with a contract equivalent. */
  known: Record<string, string>;
  /** A reference that names a secret, as an environment variable: `secrets.X` -> `X`. */
  secret?: (name: string) => string | undefined;
  /** References the shell reads as an ordinary environment variable (GitLab's `$X`). */
  shellNative?: boolean;
}

export function rewriteCommand(command: string, table: VariableTable): Rewritten {
  let unknown: string | undefined;
  let changed = false;
  const text = command.replace(table.pattern, (whole, name: string) => {
    const key = name.trim();
    const known = table.known[key];
    if (known !== undefined) {
      changed = true;
      return known;
    }
    const secret = table.secret?.(key);
    if (secret !== undefined) {
      changed = true;
      return `$${secret}`;
    }
    if (table.shellNative) return whole;
    unknown ??= whole;
    return whole;
  });
  if (unknown !== undefined) return { why: `it reads ${unknown}, which has no equivalent on other CI systems` };
  return { command: text.trim(), changed };
}

/** Names a secret would have in a manifest: an environment variable name. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

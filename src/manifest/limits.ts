/** Bounds that keep a hostile file from costing unbounded time or memory, and their checks. */

/** Bounds that keep a hostile file from costing unbounded time or memory. */
export const LIMITS = { bytes: 1_000_000, aliases: 100, depth: 64 } as const;

/**
 * Flow collections (`[` and `{`) nested beyond this stop the file before the YAML parser
 * sees it: the parser recurses per level and runs out of stack near 800. The scan below
 * may count a bracket inside a plain scalar, so it allows far more than LIMITS.depth, which
 * is checked exactly once the file is parsed.
 */
const FLOW_DEPTH_SCAN = 256;

export const NESTING_HINT = 'a manifest describes a pipeline: write it as plain keys and lists, a few levels deep';

export function nestingDepth(value: unknown, depth = 0): number {
  if (depth > LIMITS.depth || value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const child of Object.values(value as object)) deepest = Math.max(deepest, nestingDepth(child, depth + 1));
  return deepest;
}

/**
 * Where flow collections first nest deeper than FLOW_DEPTH_SCAN, skipping quoted scalars and
 * comments; undefined when they never do. Linear, and cheap next to parsing.
 */
export function deepFlowAt(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const tokenStart = i === 0 || /[\s[{,:]/.test(text[i - 1]!);
    if (ch === '[' || ch === '{') {
      if (++depth > FLOW_DEPTH_SCAN) return i;
    } else if (ch === ']' || ch === '}') {
      depth = Math.max(0, depth - 1);
    } else if (tokenStart && ch === '#') {
      const end = text.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end;
    } else if (tokenStart && (ch === '"' || ch === "'")) {
      for (i++; i < text.length; i++) {
        if (ch === '"' && text[i] === '\\') i++;
        else if (text[i] === ch) {
          if (ch === "'" && text[i + 1] === "'") i++;
          else break;
        }
      }
    }
  }
  return undefined;
}

/** Platform expressions in manifest values that no target could escape. */
import { LineCounter, type Document } from 'yaml';
import { catalog } from '../targets/catalog.js';
import type { Diagnostic } from './diagnostics.js';
import { locate, makeDiagnostic, rangeOf, type Segment } from './positions.js';
import { dotted } from './schema-issues.js';

/** Keys whose values are passed through as written: an override is the user's own platform syntax. */
const VERBATIM = new Set(['overrides', '$schema']);
/** Keys whose values become parts of a runtime's configuration, not shell text. */
const CONFIGURATION_KEYS = new Set(['image', 'runner']);

/**
 * A platform expression written into a value where no target can escape it. `${{` is refused
 * everywhere (GitHub and Azure evaluate it in any field before anything runs); `$(` and `$[`
 * (Azure macros and runtime expressions) in images and runner labels, which Azure reads as
 * configuration rather than as a script mlgen can protect. Commands are the schema's business.
 */
export function expressionDiagnostics(data: unknown, doc: Document, file: string, lines: LineCounter, known: readonly Diagnostic[]): Diagnostic[] {
  const reported = new Set(known.map((d) => JSON.stringify(d.path)));
  const out: Diagnostic[] = [];
  // The catalog says which platform evaluates what, and where.
  const everywhere = [...new Set(catalog().flatMap((e) => e.expressionOpeners))];
  const inConfiguration = [...new Set(catalog().flatMap((e) => e.configurationOpeners))];
  const platformsFor = (opener: string) =>
    catalog()
      .filter((e) => e.expressionOpeners.includes(opener) || e.configurationOpeners.includes(opener))
      .map((e) => e.displayName.split(' ')[0])
      .join(' and ');
  const visit = (value: unknown, path: Segment[], configuration: boolean): void => {
    if (typeof value === 'string') {
      const found = everywhere.find((opener) => value.includes(opener)) ?? (configuration ? inConfiguration.find((opener) => value.includes(opener)) : undefined);
      if (found === undefined || reported.has(JSON.stringify(path))) return;
      const platforms = platformsFor(found);
      const located = locate(doc, path);
      out.push(
        makeDiagnostic(file, lines, rangeOf(located.node), `${dotted(path)} may not contain "${found}": ${platforms} would evaluate it as an expression instead of using the text`, path,
          everywhere.includes(found) ? 'mlgen writes platform expressions itself; read values from environment variables in commands, e.g. "$MLGEN_VERSION"' : 'name the image or runner label literally'),
      );
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i], configuration));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (path.length === 0 && VERBATIM.has(key)) continue;
        visit(child, [...path, key], configuration || CONFIGURATION_KEYS.has(key));
      }
    }
  };
  visit(data, [], false);
  return out;
}

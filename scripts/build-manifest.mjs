// Writes oclif.manifest.json: every command's id, flags, args and help text, as @oclif/core's
// Config reads them. With it, oclif imports only the command that runs (and none for help);
// without it, it imports every command module (sync's API clients included) on every run.
// This is what the `oclif manifest` command does; that CLI needs Node 22, @oclif/core does not.
//
//   node scripts/build-manifest.mjs      (after tsc: it loads the commands from dist/)
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
const commands = Object.keys(plugin.manifest.commands);
if (commands.length === 0) throw new Error('no commands found in dist/commands: run tsc first');
writeFileSync(join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, undefined, 2)}\n`);
console.log(`oclif.manifest.json: ${commands.length} commands (${commands.sort().join(', ')})`);

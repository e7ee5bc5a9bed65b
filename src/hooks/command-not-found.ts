/**
 * An unknown command in mlgen's style, not oclif's: `error: ...`, the nearest command, exit 2.
 */
import type { Hook } from '@oclif/core';
import { closest } from '../manifest/suggest.js';
import { styleFor } from '../cli/style.js';

const hook: Hook<'command_not_found'> = async function (options) {
  const ids = [...new Set(options.config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' ')))].sort();
  const given = options.id.replaceAll(':', ' ');
  const nearest = closest(given, ids) ?? closest(given.split(' ')[0]!, ids);
  const hint = nearest ? `did you mean ${options.config.bin} ${nearest}?` : `the commands are ${ids.join(', ')}`;
  process.stderr.write(`${styleFor(process.stderr).red('error')}: unknown command "${given}": ${hint} (${options.config.bin} --help lists them)\n`);
  this.exit(2);
};

export default hook;

/** Runs the rendered gate script with the real python3 in a temporary directory. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addHeader } from '../../src/files/index.js';
import { GATE_SCRIPT_PATH, renderGateScript } from '../../src/gate/index.js';
import type { GateConfig } from '../../src/plan/index.js';

export interface GateRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions that do not care which stream. */
  output: string;
}

const temporaryDirectories: string[] = [];

export function removeTemporaryDirectories(): void {
  for (const dir of temporaryDirectories.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The gate file exactly as `generate` writes it: rendered, with the engine's header. */
export function gateFile(config: GateConfig): string {
  return addHeader(renderGateScript(config), { manifestPath: 'mlgen.yaml', version: '0.0.0' }).content;
}

/**
 * Writes the gate and `files` (name -> content; a plain object becomes JSON) into a fresh directory
 * and runs `python3 .mlgen/gate.py` there, the way every target runs it.
 */
export function runGate(config: GateConfig, files: Record<string, string | Buffer | object>, args: string[] = []): GateRun & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-gate-'));
  temporaryDirectories.push(dir);
  return { ...runGateIn(dir, gateFile(config), files, args), dir };
}

export function runGateIn(dir: string, gateScript: string, files: Record<string, string | Buffer | object>, args: string[] = []): GateRun {
  mkdirSync(join(dir, '.mlgen'), { recursive: true });
  writeFileSync(join(dir, GATE_SCRIPT_PATH), gateScript);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
  }
  const result = spawnSync('python3', [GATE_SCRIPT_PATH, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: result.stdout + result.stderr };
}

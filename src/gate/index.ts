/** The metric gate: one Python script shared by every target. */
import type { RenderedFile } from '../files/index.js';
import type { GateConfig } from '../plan/types.js';

export const GATE_SCRIPT_PATH = '.mlgen/gate.py';

// Placeholder until the gate script lands.
export function renderGateScript(_config: GateConfig): RenderedFile {
  return { path: GATE_SCRIPT_PATH, body: '', comment: '#' };
}

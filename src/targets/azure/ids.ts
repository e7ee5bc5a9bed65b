/**
 * Azure stage and job ids hold only letters, digits and `_`, and cannot start with a digit.
 * Plan ids are kebab-case and start with a letter, so `-` becomes `_` and nothing collides
 * (plan ids never contain `_`).
 */
export function stageId(planJobId: string): string {
  const id = planJobId.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

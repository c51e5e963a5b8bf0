/**
 * `extensions.privacy.budget` carries the day's running totals (`usedToday`, `leftToday`), which
 * every request moves: two requests compared for the same answer leave those out and keep what
 * this request charged (`thisRequest`).
 */
export function withoutDayTotals<T>(body: T): T {
  const budget = (body as any)?.extensions?.privacy?.budget;
  if (!budget) return body;
  const { usedToday: _used, leftToday: _left, ...thisRequestAndLimits } = budget;
  const b = body as any;
  return { ...b, extensions: { ...b.extensions, privacy: { ...b.extensions.privacy, budget: thisRequestAndLimits } } };
}

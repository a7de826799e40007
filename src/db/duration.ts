/** Durations as settings and flags spell them. */

/** "5s", "500ms", "1.5s", "2m", or a bare number of seconds → milliseconds (at least 1). */
export function parseDuration(raw: string | number): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw > 0 ? Math.max(1, Math.round(raw * 1000)) : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(raw);
  if (!match) return undefined;
  const value = Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 }[match[2] ?? 's'] ?? 1000);
  return value > 0 ? Math.max(1, Math.round(value)) : undefined;
}

/**
 * Generic bounded maps and lists (no tracker knowledge). A map kept in touch order (a touched
 * entry is deleted and re-inserted) has its least recently touched entry first, so TTL expiry
 * and size eviction both pop from the front in O(1) per evicted entry.
 */

/** The array with the item appended, at most `max` long (a new array of exact length). */
export function appended<T>(arr: readonly T[], item: T, max: number): T[] {
  const next = arr.concat([item]);
  return next.length > max ? next.slice(next.length - max) : next;
}

/**
 * The entry under `id`, touched (moved to the back, `t` = now) or made; while the map is full,
 * the least recently touched entries are evicted first.
 */
export function upsert<E extends { t: number }>(
  map: Map<string, E>,
  id: string,
  now: number,
  max: number,
  onEvict: () => void,
  make: () => E,
): E {
  let e = map.get(id);
  if (e) {
    map.delete(id);
  } else {
    while (map.size >= max) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
      onEvict();
    }
    e = make();
  }
  e.t = now;
  map.set(id, e);
  return e;
}

/** Evict the entries untouched for `ttl` from the front of a touch-ordered map. */
export function expireFront<E extends { t: number }>(
  map: Map<string, E>,
  now: number,
  ttl: number,
  onEvict: () => void,
): number {
  let n = 0;
  for (const [id, e] of map) {
    if (now - e.t < ttl) break;
    map.delete(id);
    onEvict();
    n++;
  }
  return n;
}

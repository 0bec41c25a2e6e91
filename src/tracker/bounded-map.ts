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

interface TouchNode<E> {
  readonly key: string;
  value: E;
  prev: TouchNode<E> | undefined;
  next: TouchNode<E> | undefined;
}

/**
 * A map kept in touch order like the functions above, for entries touched on every event: the
 * order is a linked list beside the lookup Map, so a touch moves two pointers instead of
 * deleting and re-inserting the key (a Map's delete + set leaves holes it must compact, which
 * cost more than the rest of a ccs event's merge). Iteration, expiry and eviction go from the
 * least recently touched entry, exactly as with the functions above.
 */
export class TouchMap<E extends { t: number }> implements ReadonlyMap<string, E> {
  private readonly nodes = new Map<string, TouchNode<E>>();
  private head: TouchNode<E> | undefined;
  private tail: TouchNode<E> | undefined;

  get size(): number {
    return this.nodes.size;
  }

  get(id: string): E | undefined {
    return this.nodes.get(id)?.value;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  delete(id: string): boolean {
    const n = this.nodes.get(id);
    if (!n) return false;
    this.nodes.delete(id);
    this.unlink(n);
    return true;
  }

  clear(): void {
    this.nodes.clear();
    this.head = this.tail = undefined;
  }

  /** The least recently touched entry's `t` (undefined when empty). */
  frontT(): number | undefined {
    return this.head?.value.t;
  }

  /** The entry under `id` touched (moved to the back, `t` = now), or undefined. */
  touch(id: string, now: number): E | undefined {
    const n = this.nodes.get(id);
    if (!n) return undefined;
    if (n !== this.tail) {
      this.unlink(n);
      this.append(n);
    }
    n.value.t = now;
    return n.value;
  }

  /**
   * Add an entry under `id` (not present: see touch) at the back; while the map holds `max`
   * entries, the least recently touched ones are evicted first.
   */
  insert(id: string, value: E, max: number, onEvict: () => void): E {
    while (this.nodes.size >= max && this.head) {
      const oldest = this.head;
      this.nodes.delete(oldest.key);
      this.unlink(oldest);
      onEvict();
    }
    const n: TouchNode<E> = { key: id, value, prev: undefined, next: undefined };
    this.nodes.set(id, n);
    this.append(n);
    return value;
  }

  /** As expireFront() above: evict the entries untouched for `ttl`, from the front. */
  expireFront(now: number, ttl: number, onEvict: () => void): number {
    let count = 0;
    for (let n = this.head; n && now - n.value.t >= ttl; n = this.head) {
      this.nodes.delete(n.key);
      this.unlink(n);
      onEvict();
      count++;
    }
    return count;
  }

  *entries(): MapIterator<[string, E]> {
    for (let n = this.head; n; n = n.next) yield [n.key, n.value];
  }

  *keys(): MapIterator<string> {
    for (let n = this.head; n; n = n.next) yield n.key;
  }

  *values(): MapIterator<E> {
    for (let n = this.head; n; n = n.next) yield n.value;
  }

  [Symbol.iterator](): MapIterator<[string, E]> {
    return this.entries();
  }

  forEach(fn: (value: E, key: string, map: ReadonlyMap<string, E>) => void): void {
    for (let n = this.head; n; n = n.next) fn(n.value, n.key, this);
  }

  private unlink(n: TouchNode<E>): void {
    if (n.prev) n.prev.next = n.next;
    else this.head = n.next;
    if (n.next) n.next.prev = n.prev;
    else this.tail = n.prev;
    n.prev = n.next = undefined;
  }

  private append(n: TouchNode<E>): void {
    n.prev = this.tail;
    n.next = undefined;
    if (this.tail) this.tail.next = n;
    else this.head = n;
    this.tail = n;
  }
}

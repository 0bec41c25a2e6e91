/**
 * Generic bounded maps and lists (no tracker knowledge). A map kept in touch order (a touched
 * entry is deleted and re-inserted, or moved in a TouchList) has its least recently touched
 * entry first, so TTL expiry and size eviction both pop from the front in O(1) per evicted
 * entry.
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

/** What a TouchList links: its neighbours, older (`prev`) and newer (`next`). */
export interface Linked<N> {
  prev: N | undefined;
  next: N | undefined;
}

/**
 * A doubly linked list in touch order, through the nodes themselves (intrusive: a node is
 * the entry or a small wrapper of it). Oldest first; moving a node to the back is two
 * pointer updates.
 */
export class TouchList<N extends Linked<N>> {
  /** The least recently touched node. */
  head: N | undefined = undefined;
  /** The most recently touched node. */
  tail: N | undefined = undefined;

  /** Add a node (in no list) at the back. */
  append(n: N): void {
    n.prev = this.tail;
    n.next = undefined;
    if (this.tail) this.tail.next = n;
    else this.head = n;
    this.tail = n;
  }

  /** Move a node of this list to the back. */
  toBack(n: N): void {
    if (n === this.tail) return;
    this.unlink(n);
    this.append(n);
  }

  unlink(n: N): void {
    if (n.prev) n.prev.next = n.next;
    else this.head = n.next;
    if (n.next) n.next.prev = n.prev;
    else this.tail = n.prev;
    n.prev = n.next = undefined;
  }

  clear(): void {
    this.head = this.tail = undefined;
  }
}

interface TouchNode<E> extends Linked<TouchNode<E>> {
  readonly key: string;
  value: E;
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
  private readonly order = new TouchList<TouchNode<E>>();

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
    this.order.unlink(n);
    return true;
  }

  clear(): void {
    this.nodes.clear();
    this.order.clear();
  }

  /** The least recently touched entry's `t` (undefined when empty). */
  frontT(): number | undefined {
    return this.order.head?.value.t;
  }

  /** The entry under `id` touched (moved to the back, `t` = now), or undefined. */
  touch(id: string, now: number): E | undefined {
    const n = this.nodes.get(id);
    if (!n) return undefined;
    this.order.toBack(n);
    n.value.t = now;
    return n.value;
  }

  /**
   * Add an entry under `id` (not present: see touch) at the back; while the map holds `max`
   * entries, the least recently touched ones are evicted first.
   */
  insert(id: string, value: E, max: number, onEvict: () => void): E {
    while (this.nodes.size >= max && this.order.head) {
      const oldest = this.order.head;
      this.nodes.delete(oldest.key);
      this.order.unlink(oldest);
      onEvict();
    }
    const n: TouchNode<E> = { key: id, value, prev: undefined, next: undefined };
    this.nodes.set(id, n);
    this.order.append(n);
    return value;
  }

  /** As expireFront() above: evict the entries untouched for `ttl`, from the front. */
  expireFront(now: number, ttl: number, onEvict: () => void): number {
    let count = 0;
    for (let n = this.order.head; n && now - n.value.t >= ttl; n = this.order.head) {
      this.nodes.delete(n.key);
      this.order.unlink(n);
      onEvict();
      count++;
    }
    return count;
  }

  *entries(): MapIterator<[string, E]> {
    for (let n = this.order.head; n; n = n.next) yield [n.key, n.value];
  }

  *keys(): MapIterator<string> {
    for (let n = this.order.head; n; n = n.next) yield n.key;
  }

  *values(): MapIterator<E> {
    for (let n = this.order.head; n; n = n.next) yield n.value;
  }

  [Symbol.iterator](): MapIterator<[string, E]> {
    return this.entries();
  }

  forEach(fn: (value: E, key: string, map: ReadonlyMap<string, E>) => void): void {
    for (let n = this.order.head; n; n = n.next) fn(n.value, n.key, this);
  }
}

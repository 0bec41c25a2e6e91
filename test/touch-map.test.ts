/**
 * TouchMap (src/tracker/bounded-map.ts): the ccs store's touch-ordered map, a linked list beside
 * the lookup Map. Iteration goes from the least recently touched entry; eviction at the size
 * limit and TTL expiry take from there, as the delete-and-reinsert Map did.
 */
import { strict as assert } from 'node:assert';
import { TouchMap } from '../src/tracker/bounded-map';

interface E {
  id: string;
  t: number;
}

function filled(ids: string[], max = 100): { m: TouchMap<E>; evicted: () => number } {
  const m = new TouchMap<E>();
  let evicted = 0;
  ids.forEach((id, i) => m.insert(id, { id, t: i }, max, () => evicted++));
  return { m, evicted: () => evicted };
}

describe('TouchMap', () => {
  it('iterates in touch order; a touch moves an entry to the back and sets its time', () => {
    const { m } = filled(['a', 'b', 'c']);
    assert.deepEqual([...m.keys()], ['a', 'b', 'c']);
    assert.equal(m.touch('a', 10)?.t, 10);
    assert.equal(m.touch('c', 11)?.t, 11);
    assert.equal(m.touch('zz', 12), undefined);
    assert.deepEqual([...m.keys()], ['b', 'a', 'c']);
    assert.deepEqual(
      [...m].map(([k, v]) => [k, v.t]),
      [
        ['b', 1],
        ['a', 10],
        ['c', 11],
      ],
    );
    assert.equal(m.frontT(), 1);
    assert.equal(m.size, 3);
    assert.ok(m.has('a') && !m.has('zz'));
  });

  it('evicts the least recently touched entries when full', () => {
    const { m, evicted } = filled(['a', 'b', 'c'], 3);
    m.touch('a', 5);
    m.insert('d', { id: 'd', t: 6 }, 3, () => undefined);
    assert.deepEqual([...m.keys()], ['c', 'a', 'd'], 'b went first');
    assert.equal(evicted(), 0);
    const count = { n: 0 };
    m.insert('e', { id: 'e', t: 7 }, 2, () => count.n++);
    assert.deepEqual([...m.keys()], ['d', 'e']);
    assert.equal(count.n, 2);
  });

  it('expires from the front only what outlived the TTL, and deletes from anywhere', () => {
    const { m } = filled(['a', 'b', 'c', 'd']);
    m.touch('a', 50);
    let n = 0;
    assert.equal(
      m.expireFront(20, 18, () => n++),
      2,
    );
    assert.equal(n, 2);
    assert.deepEqual([...m.keys()], ['d', 'a'], 'b and c (t 1, 2) expired; d (t 3) not yet');
    assert.ok(m.delete('a'));
    assert.ok(!m.delete('a'));
    assert.deepEqual(
      [...m.values()].map((e) => e.id),
      ['d'],
    );
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.frontT(), undefined);
    assert.deepEqual([...m.entries()], []);
  });
});

/**
 * Load mode (benchmarks, demos): dedicated agents keep generated preview calls going.
 */
import type { ModelCore } from '../model';
import type { Agent } from '../types';
import { previewObCall } from './preview';

/**
 * Load mode: `calls` dedicated agents each keep one preview call going (dial, bridge, talk
 * `talkMs`, hang up, again). Their events go to subscribers like any other.
 */
export function startLoad(m: ModelCore, calls: number, talkMs: number): void {
  m.load.talkMs = talkMs;
  m.load.numbers = ['48600100201', '48600100202', '48600100203', '48600100204', '48600100205'];
  m.load.next = (a) => loadNext(m, a);
  for (let i = 1; i <= calls; i++) {
    const a = m.addAgent(`L${i}`, String(900000 + i), `Load ${i}`, 0, true, true);
    m.clock.after(Math.floor(m.rng() * 100), () => loadNext(m, a));
  }
}

function loadNext(m: ModelCore, a: Agent): void {
  if (!a.load || a.state !== 'idle' || a.seance || m.load.talkMs < 0) return;
  if (!m.loadGate()) {
    // Subscribers are behind: try again in 10 real ms instead of piling up frames.
    m.clock.after(10 * m.clock.speed, () => loadNext(m, a));
    return;
  }
  const number = m.load.numbers[m.issued % m.load.numbers.length];
  previewObCall(m, a, { customerNumber: number });
}

/** Stop the load generator: its agents finish their calls and stay idle. */
export function stopLoad(m: ModelCore): void {
  m.load.talkMs = -1;
}

/**
 * Scenario agents with `inbound: false` are outbound agents: inbound calls never ring them,
 * unless a call is routed to one by name (the simulator's control hook); the `npm start` demo
 * keeps its button agents so.
 */
import assert from 'node:assert/strict';
import { validateScenario } from '../src/simulator/scenario';
import { Simulator } from '../src/simulator';

describe('simulator: outbound-only agents', () => {
  it('routes inbound calls around agents with inbound: false', async () => {
    const scenario = validateScenario({
      agents: { '1001': {}, '1002': { inbound: false }, '1003': { inbound: false } },
    });
    const sim = new Simulator({ speed: 50, scenario });
    try {
      await sim.start();
      assert.ok(sim.inboundCall('48500100202'), 'the inbound agent takes one');
      assert.equal(sim.inboundCall('48500100203'), undefined, 'the outbound agents take none');
      assert.ok(sim.inboundCall('48500100204', '1002'), 'unless one is named (a test hook)');
    } finally {
      await sim.dispose();
    }
  });

  it('refuses a non-boolean inbound in a scenario', () => {
    assert.throws(
      () => validateScenario({ agents: { '1001': { inbound: 'no' } } }),
      /invalid scenario: \/agents\/1001\/inbound/,
    );
  });
});

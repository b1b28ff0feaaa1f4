import { describe, expect, it } from 'vitest';
import { averageSpeedOfAnswer, probabilityOfWaiting, requiredAgents, serviceLevel } from '../../server/src/kpi/erlang-c.js';

describe('Erlang C staffing', () => {
  it('matches the reference values for 10 Erlangs at 180 s AHT', () => {
    expect(serviceLevel(10, 13, 180, 20)).toBeCloseTo(0.796, 3);
    expect(averageSpeedOfAnswer(10, 13, 180)).toBeCloseTo(17, 0);
    expect(serviceLevel(10, 14, 180, 20)).toBeCloseTo(0.888, 3);
    expect(averageSpeedOfAnswer(10, 14, 180)).toBeCloseTo(7.8, 1);
  });

  it('says everyone waits when agents cannot carry the traffic', () => {
    expect(probabilityOfWaiting(10, 10)).toBe(1);
    expect(serviceLevel(10, 9, 180, 20)).toBe(0);
  });

  it('finds the fewest agents for an 80/20 target', () => {
    // 200 calls an hour × 180 s = 10 Erlangs: 13 agents give 79.6 %, 14 give 88.8 %
    const r = requiredAgents({ arrivalsPerHour: 200, ahtSeconds: 180, targetServiceLevel: 0.8, thresholdSeconds: 20 });
    expect(r.trafficErlangs).toBe(10);
    expect(r.agents).toBe(14);
    expect(r.table.find((x) => x.agents === 13)!.serviceLevel).toBeLessThan(0.8);
  });
});

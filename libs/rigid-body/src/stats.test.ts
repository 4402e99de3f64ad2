import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FREE_FLIGHT_OVERRIDES, defaultBenchmarkConfig } from './config.js';
import { generateExamples } from './generate.js';
import { CONTACT_BODY, CONTACT_FLOOR, TOUCH_BODY, TOUCH_FLOOR, simulateScene, type SceneState } from './simulate.js';
import { benchmarkStats, contactShares } from './stats.js';

const params = { dt: 1 / 60, gravity: 9.81, friction: 0.5, restitution: 0.3, density: 1000 };
const cube = (x: number, y: number, vx: number): SceneState['bodies'][number] => ({
  mesh: 'cube', scale: 0.5, position: [x, y, 0], rotation: [0, 0, 0, 1], linvel: [vx, 0, 0], angvel: [0, 0, 0],
});

describe('contacts', () => {
  it('flags a floor landing, a body–body hit, and bodies at rest as touching but not moving', async () => {
    // one cube dropped from 1 m lands after ~0.4 s (frame ~24) and settles
    const drop = await simulateScene({ bodies: [cube(0, 1, 0)] }, params, 150, { contacts: true });
    const c = drop.contacts!;
    const first = c.findIndex((b) => (b & CONTACT_FLOOR) !== 0);
    assert.ok(first >= 18 && first <= 30, `first floor contact at frame ${first}`);
    assert.ok(c.slice(0, first).every((b) => b === 0), 'nothing touches in free fall');
    assert.equal(c[149] & TOUCH_FLOOR, TOUCH_FLOOR, 'resting on the floor touches it');
    assert.equal(c[149] & CONTACT_FLOOR, 0, 'a body at rest is not a contact');
    assert.equal(c.some((b) => (b & (CONTACT_BODY | TOUCH_BODY)) !== 0), false);
    // two cubes 2 m apart at 3 m/s towards each other, high in the air: they hit after ~(2 - 0.58) / 6 s ≈ 14 frames
    const hit = await simulateScene({ bodies: [cube(-1, 3, 3), cube(1, 3, -3)] }, params, 30, { contacts: true });
    const h = hit.contacts!.findIndex((b) => (b & CONTACT_BODY) !== 0);
    assert.ok(h >= 10 && h <= 18, `first body–body contact at frame ${h}`);
    assert.equal(hit.contacts!.some((b) => (b & CONTACT_FLOOR) !== 0), false, 'no floor contact 3 m up');
  });

  it('contact bits per example cover the steps into frames t+1 .. t+h and do not change the data', async () => {
    const cfg = { ...defaultBenchmarkConfig(), valExamples: 0, testExamples: 0 };
    const bits = new Uint8Array(16);
    const withBits = await generateExamples(cfg, 'train', 0, 16, { contacts: bits });
    const plain = await generateExamples(cfg, 'train', 0, 16);
    assert.deepEqual(withBits.target, plain.target);
    assert.ok(bits.some((b) => b !== 0));
    assert.deepEqual(contactShares(Uint8Array.from([0, CONTACT_FLOOR | TOUCH_FLOOR, CONTACT_BODY | TOUCH_BODY, TOUCH_FLOOR])), {
      contactShare: 0.5, bodyBodyContactShare: 0.25, touchShare: 0.75,
    });
  });

  it('the default benchmark has a contact within the horizon in at least half of its examples; free flight has few body–body ones', async () => {
    const small = { valExamples: 64, testExamples: 192 };
    const d = await benchmarkStats({ ...defaultBenchmarkConfig(), ...small }, { trainSize: 0 });
    const t = d.splits.test;
    assert.equal(t.examples, 192);
    assert.ok(t.contactShare >= 0.5, `contact share ${t.contactShare}`);
    assert.ok(t.bodyBodyContactShare >= 0.25, `body–body contact share ${t.bodyBodyContactShare}`);
    assert.ok(t.baselines.constantVelocity < t.baselines.noMotion);
    const old = await benchmarkStats({ ...defaultBenchmarkConfig(), ...FREE_FLIGHT_OVERRIDES, ...small }, { trainSize: 0 });
    assert.ok(old.splits.test.bodyBodyContactShare < 0.1, `old body–body share ${old.splits.test.bodyBodyContactShare}`);
  });
});

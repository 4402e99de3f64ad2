import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LrSchedule } from '../api.js';
import { checkSchedule, learningRate, wsdBranchStep } from './schedule.js';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('cosine: linear warmup, cosine decay to peak*minRatio at the last step', () => {
  const s: LrSchedule = { peak: 1, kind: 'cosine', warmupSteps: 10, minRatio: 0.1, cooldownFraction: 0 };
  near(learningRate(s, 1, 110), 0.1);
  near(learningRate(s, 10, 110), 1);
  near(learningRate(s, 60, 110), 0.1 + 0.9 * 0.5); // halfway through the decay
  near(learningRate(s, 110, 110), 0.1);
});

test('constant-cooldown: warmup, constant peak, linear cooldown over the last fraction', () => {
  const s: LrSchedule = { peak: 2, kind: 'constant-cooldown', warmupSteps: 4, minRatio: 0, cooldownFraction: 0.2 };
  near(learningRate(s, 2, 100), 1);
  near(learningRate(s, 50, 100), 2);
  near(learningRate(s, 80, 100), 2);
  near(learningRate(s, 90, 100), 1);
  near(learningRate(s, 100, 100), 0);
});

test('wsd: warmup, constant to the branch point, linear decay to zero; f = 0 is the constant trunk', () => {
  const s: LrSchedule = { peak: 2, kind: 'wsd', warmupSteps: 4, minRatio: 0.5, cooldownFraction: 0.2, cooldownShape: 'linear' };
  assert.equal(wsdBranchStep(100, 0.2), 80);
  near(learningRate(s, 2, 100), 1);
  near(learningRate(s, 80, 100), 2);
  near(learningRate(s, 90, 100), 1);
  near(learningRate(s, 100, 100), 0); // to zero: minRatio is not used by wsd
  const trunk: LrSchedule = { ...s, cooldownFraction: 0 };
  for (const step of [5, 50, 80]) near(learningRate(trunk, step, 80), 2);
});

test('wsd 1-sqrt cooldown: peak * (1 - sqrt(progress)), below linear inside the cooldown', () => {
  const s: LrSchedule = { peak: 1, kind: 'wsd', warmupSteps: 0, minRatio: 0, cooldownFraction: 0.25, cooldownShape: '1-sqrt' };
  near(learningRate(s, 75, 100), 1);
  near(learningRate(s, 76, 100), 1 - Math.sqrt(1 / 25));
  near(learningRate(s, 100, 100), 0);
  const lin = { ...s, cooldownShape: 'linear' as const };
  for (let step = 76; step < 100; step++) assert.ok(learningRate(s, step, 100) < learningRate(lin, step, 100));
  assert.throws(() => checkSchedule({ ...s, cooldownShape: 'cubic' as never }, 100), /cooldownShape must be "linear" or "1-sqrt"/);
});

test('wsd branches continue their trunk: same rates up to the branch point, for every step count', () => {
  for (const f of [0.1, 0.2, 0.35]) {
    const trunk: LrSchedule = { peak: 1e-3, kind: 'wsd', warmupSteps: 10, minRatio: 0, cooldownFraction: 0 };
    for (const S of [37, 100, 513, 2000]) {
      const branch: LrSchedule = { ...trunk, cooldownFraction: f };
      const b = wsdBranchStep(S, f);
      for (let step = 1; step <= b; step++) assert.equal(learningRate(branch, step, S), learningRate(trunk, step, 4000));
      // the first cooldown step is strictly below the peak and the decay is monotone
      let prev = learningRate(branch, b, S);
      for (let step = b + 1; step <= S; step++) {
        const lr = learningRate(branch, step, S);
        assert.ok(lr < prev, `decreasing at ${step} (S ${S}, f ${f})`);
        prev = lr;
      }
      assert.equal(prev, 0);
    }
  }
});

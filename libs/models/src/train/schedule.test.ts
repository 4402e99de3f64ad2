import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LrSchedule } from '../api.js';
import { learningRate } from './schedule.js';

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

/**
 * The registry of sweep families: the names a spec's `families` list may use, and what each one trains.
 * A sweep family is a model family plus trial options (today only data augmentation). To add one (e.g. an
 * approximately equivariant GATr), add an entry here; the schema, defaults and expansion pick it up.
 */
import type { AugmentGroup, FamilyName } from '@equiscale/models/accounting';

export interface SweepFamily {
  /** Name used in specs and in cell keys (no "/"). */
  name: string;
  /** The architecture libs/models builds. */
  modelFamily: FamilyName;
  /** Random group elements applied to inputs, targets, floor and gravity together. */
  augment: boolean;
  /** The group augment draws from (models lib task/augment.ts): 'e3' (default) or 'task' (the floor's symmetries). */
  augmentGroup?: AugmentGroup;
  description: string;
}

const FAMILIES: readonly SweepFamily[] = [
  {
    name: 'transformer',
    modelFamily: 'transformer',
    augment: false,
    description: 'general-purpose transformer, no augmentation',
  },
  {
    name: 'transformer+augment',
    modelFamily: 'transformer',
    augment: true,
    description: 'general-purpose transformer trained with random E(3) data augmentation (floor and gravity transformed along)',
  },
  {
    name: 'transformer+augment-task',
    modelFamily: 'transformer',
    augment: true,
    augmentGroup: 'task',
    description:
      "general-purpose transformer trained with the task's own symmetries: rotations about the vertical, reflections in vertical planes, horizontal translations",
  },
  { name: 'gatr', modelFamily: 'gatr', augment: false, description: 'E(3)-equivariant GATr' },
];

/** Every sweep family, in registry order. */
export const SWEEP_FAMILIES: readonly SweepFamily[] = Object.freeze(FAMILIES.map((f) => Object.freeze({ ...f })));

/** Sweep family names, in registry order. */
export const SWEEP_FAMILY_NAMES: readonly string[] = Object.freeze(SWEEP_FAMILIES.map((f) => f.name));

/** The model families (architectures) sweep families map to, in registry order, without repeats. */
export const MODEL_FAMILY_NAMES: readonly FamilyName[] = Object.freeze([
  ...new Set(SWEEP_FAMILIES.map((f) => f.modelFamily)),
]);

/** The registry entry of `name`, or undefined when it is not a sweep family. */
export function findSweepFamily(name: string): SweepFamily | undefined {
  return SWEEP_FAMILIES.find((f) => f.name === name);
}

/** The registry entry of `name`; throws naming the known families when it is unknown. */
export function sweepFamily(name: string): SweepFamily {
  const f = findSweepFamily(name);
  if (!f) throw new Error(`unknown sweep family "${name}"; use one of ${SWEEP_FAMILY_NAMES.join(', ')}`);
  return f;
}

/**
 * The registry of sweep families: the names a spec's `families` list may use, and what each one trains.
 * A sweep family is a model family plus trial options (data augmentation, or one of issue 16's ways to handle
 * symmetry: `method`), with the paper it comes from and the symmetry it guarantees. To add one, add an entry
 * here; the schema, defaults and expansion pick it up (`equiscale families --json` lists them).
 */
import type { AugmentGroup, FamilyName } from '@equiscale/models/accounting';

/**
 * Which symmetry a family guarantees for the full problem (scene, floor and gravity transformed together):
 * - 'exact': equivariant by construction, for every input and every parameter value;
 * - 'approximate': exact when its symmetry-breaking part is switched off, and departing from it only as far as
 *   training moved that part;
 * - 'in expectation': the expected prediction over its random frames is equivariant (and every fixed draw of
 *   its noise gives an exactly equivariant map); a finite-sample estimate is equivariant in distribution;
 * - 'none': no guarantee; whatever symmetry it has is learned from data (augmentation, imitation).
 */
export type SymmetryGuarantee = 'exact' | 'approximate' | 'in expectation' | 'none';
export const SYMMETRY_GUARANTEES: readonly SymmetryGuarantee[] = ['exact', 'approximate', 'in expectation', 'none'];

/** Issue 16's ways of handling symmetry (approx and lps have options in the spec's `familyOptions`, normalize.ts). */
export type SymmetryMethod = 'approx' | 'lps' | 'clone';

export interface SweepFamily {
  /** Name used in specs and in cell keys (no "/"). */
  name: string;
  /** The architecture libs/models builds. */
  modelFamily: FamilyName;
  /** Random group elements applied to inputs, targets, floor and gravity together. */
  augment: boolean;
  /** The group augment draws from (models lib task/augment.ts): 'e3' (default) or 'task' (the floor's symmetries). */
  augmentGroup?: AugmentGroup;
  /** approx: learned fixed inputs (dims.approxInputs); lps: probabilistic symmetrization (dims.lps); clone: symmetry cloning (models TrialConfig.clone; a student of a gatr trial, clone.ts) */
  method?: SymmetryMethod;
  description: string;
  /** the paper the family comes from */
  source: string;
  guarantee: SymmetryGuarantee;
}

const SEED_STUDY = 'Brehmer, Behrends, de Haan, Cohen 2024, "Does equivariance matter at scale?" (arXiv 2410.23179)';
const GATR_PAPER = 'Brehmer, de Haan, Behrends, Cohen 2023, "Geometric Algebra Transformer"';

const FAMILIES: readonly SweepFamily[] = [
  {
    name: 'transformer',
    modelFamily: 'transformer',
    augment: false,
    description: 'general-purpose transformer, no augmentation',
    source: SEED_STUDY,
    guarantee: 'none',
  },
  {
    name: 'transformer+augment',
    modelFamily: 'transformer',
    augment: true,
    description: 'general-purpose transformer trained with random E(3) data augmentation (floor and gravity transformed along)',
    source: SEED_STUDY,
    guarantee: 'none',
  },
  {
    name: 'transformer+augment-task',
    modelFamily: 'transformer',
    augment: true,
    augmentGroup: 'task',
    description:
      "general-purpose transformer trained with the task's own symmetries: rotations about the vertical, reflections in vertical planes, horizontal translations",
    source: SEED_STUDY,
    guarantee: 'none',
  },
  { name: 'gatr', modelFamily: 'gatr', augment: false, description: 'E(3)-equivariant GATr', source: GATR_PAPER, guarantee: 'exact' },
  {
    name: 'gatr+approx',
    modelFamily: 'gatr',
    augment: false,
    method: 'approx',
    description:
      'GATr plus a few learned constant multivector inputs that are not transformed with the scene (zero at init: starts exact; switched off at evaluation: the exact model, whose losses are reported too)',
    source: 'Ashman et al. 2024, "Approximately Equivariant Neural Processes"',
    guarantee: 'approximate',
  },
  {
    name: 'transformer+lps',
    modelFamily: 'transformer',
    augment: false,
    method: 'lps',
    description:
      'transformer made E(3)-equivariant by probabilistic symmetrization: the mean of g·f(g⁻¹·x) over k frames g from a small equivariant network fed with invariant noise (centring + Gram–Schmidt), trained end to end',
    source: 'Kim et al. 2023, "Learning Probabilistic Symmetrization for Architecture Agnostic Equivariance"',
    guarantee: 'in expectation',
  },
  {
    name: 'transformer+clone',
    modelFamily: 'transformer',
    augment: false,
    method: 'clone',
    description:
      "transformer first trained to match a trained GATr teacher's predictions on E(3)-transformed inputs (symmetry cloning), then fine-tuned on the labels; the teacher is the sweep's gatr trial of the same size, data and seed (and steps), and the student waits for it in the queue; its compute is reported with and without its share of the teacher's training",
    source: 'Huang, Cheng, Chen, Aspuru-Guzik 2024, "Symmetry From Scratch: Group Equivariance as a Supervised Learning Task"',
    guarantee: 'none',
  },
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

/** G(3,0,1) in plain TypeScript: blades, product tables, operations, embeddings, the Pin group action. */
export { BLADES, BLADE_NAMES, GRADES, METRIC, MV_DIM, bladeIndex, bladeIndexByName } from './blades.js';
export {
  DUAL_SIGNS,
  GEOMETRIC_PRODUCT,
  INNER_PRODUCT_INDICES,
  INNER_PRODUCT_MASK,
  INVOLUTION_SIGNS,
  JOIN,
  OUTER_PRODUCT,
  REVERSE_SIGNS,
  bladeProduct,
  countNonzeros,
} from './tables.js';
export {
  add,
  applyBilinear,
  dual,
  geometricProduct,
  gradeInvolution,
  gradeProject,
  innerProduct,
  join,
  multivector,
  norm,
  outerProduct,
  parity,
  reverse,
  scale,
  type Multivector,
} from './ops.js';
export {
  embedDirection,
  embedPlane,
  embedPlaneOffset,
  embedPoint,
  embedPseudoscalar,
  embedRotation,
  embedScalar,
  embedTranslation,
  extractPlaneNormal,
  extractPlaneOffset,
  extractPoint,
  extractPseudoscalar,
  extractRotation,
  extractScalar,
  extractTranslation,
} from './embed.js';
export {
  actOnMultivectors,
  pinToEuclidean,
  samplePin,
  sandwich,
  sandwichMatrix,
  type EuclideanMotion,
  type PinKind,
} from './pin.js';
export { makeRng, type Rng } from './random.js';

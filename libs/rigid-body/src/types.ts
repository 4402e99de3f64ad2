/**
 * Glossary and tensor layout of the rigid-body interactions benchmark (shared contract).
 *
 * - scene: one simulated trajectory of `bodies` convex meshes falling onto a floor under gravity.
 * - example: (positions at frame t-k, positions at frame t) -> positions at frame t+h, for every vertex
 *   of every body of one scene, in world coordinates.
 * - split: train / val / test examples come from disjoint scenes. The train split is a prefix-stable
 *   stream: the first n examples of a larger training set equal the training set of size n.
 *
 * Every array is row-major Float32. N = examples, B = maxBodies (padding), V = MAX_VERTS (padding),
 * F = BODY_FEATURES.
 */
export interface BenchmarkConfig {
  /** Minimum bodies per scene (>= 1). */
  bodiesMin: number;
  /** Maximum bodies per scene (<= maxBodies). */
  bodiesMax: number;
  /** Padding size of the body axis; scenes never exceed it. */
  maxBodies: number;
  /** Names from the mesh library to draw bodies from. */
  meshes: string[];
  /** Fixed physics step in seconds. */
  dt: number;
  /** Frames simulated per scene. */
  framesPerScene: number;
  /** Past offset k in frames (input frames t-k and t). */
  pastOffset: number;
  /** Prediction horizon h in frames (target frame t+h). */
  horizon: number;
  /** Examples drawn per scene. */
  examplesPerScene: number;
  /** Gravity magnitude in m/s^2. */
  gravity: number;
  /** Fixed sizes of the validation and test sets (examples). */
  valExamples: number;
  testExamples: number;
  /** Seed of the benchmark (scenes, splits). */
  seed: number;

  // Optional scene-sampling and physics fields (added later; absent = the value in SCENE_DEFAULTS).
  /** Uniform body scale range; a body of scale s is about s metres across (default 0.25..1). */
  scaleMin?: number;
  scaleMax?: number;
  /** Initial centre-of-mass height range above the floor in metres (default 0.5..3). */
  dropHeightMin?: number;
  dropHeightMax?: number;
  /** Initial horizontal positions are uniform in a disk of this radius (m, default 1.5). */
  spawnRadius?: number;
  /** Initial linear / angular velocities are uniform in balls of these radii (m/s default 2, rad/s default 4). */
  maxLinearSpeed?: number;
  maxAngularSpeed?: number;
  /**
   * Horizontal speed (m/s) added to every body's initial velocity, aimed at the mean initial position of the
   * scene's bodies, so they collide (0 = none).
   */
  approachSpeed?: number;
  /** Contact friction and restitution coefficients (default 0.5, 0.3). */
  friction?: number;
  restitution?: number;
  /** Body density in kg/m^3 (default 1000). */
  density?: number;
  /**
   * The symmetry-breaking knob (issue 16): a constant horizontal wind along +x of the simulation frame, as the
   * acceleration (m/s^2) it gives a body of scale 0.5 m; a body of scale s gets windStrength * 0.5 / s (drag on
   * the cross-section ~ s^2, mass ~ s^3). It breaks the rotation symmetry about the vertical, and it is NOT an
   * input of the examples (gravity and the floor are). 0 (default) = no wind: the data, config hash and cache
   * files are those of a config without the field.
   */
  windStrength?: number;
}

/** A batch of examples in the padded layout. */
export interface Examples {
  count: number; // N
  maxBodies: number; // B
  maxVerts: number; // V
  /** (N, B, V, 3) vertex positions at frame t-k. */
  prev: Float32Array;
  /** (N, B, V, 3) vertex positions at frame t. */
  curr: Float32Array;
  /** (N, B, V, 3) vertex positions at frame t+h (the regression target). */
  target: Float32Array;
  /** (N, B, V) 1 where the vertex exists, 0 for padding. */
  vertMask: Float32Array;
  /** (N, B) 1 where the body exists. */
  bodyMask: Float32Array;
  /**
   * (N, B, F) per-body features: one-hot mesh type (over MESH_NAMES, library order), scale (m), mass (tonnes);
   * 0 for padding. F = BODY_FEATURES = MESH_NAMES.length + 2.
   */
  bodyFeatures: Float32Array;
  bodyFeatureCount: number; // F
  /** (N, 3) gravity vector (m/s^2, pointing down). */
  gravity: Float32Array;
  /** (N, 4) floor plane: unit normal n (3) and offset d, points x on the plane satisfy n.x = d. */
  floor: Float32Array;
}

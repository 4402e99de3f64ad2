/**
 * The mesh library: small convex polyhedra (4–12 vertices). Every vertex is an extreme point of its hull, so the
 * vertices the benchmark exposes are exactly the collision shape's corners.
 *
 * Canonical vertices are expressed in the body frame: centre of mass (uniform density) at the origin and the
 * farthest vertex at distance 0.5, so a body of scale s is about s metres across.
 */

/** Padding size of the vertex axis: no mesh has more vertices. */
export const MAX_VERTS = 12;

export interface MeshDef {
  name: string;
  /** Index in MESH_NAMES (the one-hot position in body features). */
  index: number;
  vertexCount: number;
  /** (vertexCount, 3) canonical body-frame vertices, centre of mass at the origin. */
  vertices: Float64Array;
  /** Volume at scale 1 (m^3). A body of scale s has volume volume * s^3. */
  volume: number;
  /** Largest vertex distance from the centre of mass at scale 1 (= 0.5). */
  radius: number;
  /** Hull faces as vertex-index polygons (counter-clockwise seen from outside). */
  faces: number[][];
}

type V3 = [number, number, number];

/** Points on the ellipsoid with semi-axes `axes` in the given (not necessarily unit) directions. */
function onEllipsoid(axes: V3, dirs: V3[]): V3[] {
  return dirs.map(([x, y, z]) => {
    const n = Math.sqrt(x * x + y * y + z * z);
    return [(axes[0] * x) / n, (axes[1] * y) / n, (axes[2] * z) / n];
  });
}

const RAW: [string, V3[]][] = [
  ['cube', [-1, 1].flatMap((x) => [-1, 1].flatMap((y) => [-1, 1].map((z): V3 => [x, y, z])))],
  ['tetrahedron', [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]],
  ['octahedron', [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]],
  ['elongated_box', [-1, 1].flatMap((x) => [-1, 1].flatMap((y) => [-1, 1].map((z): V3 => [x, 0.4 * y, 0.3 * z])))],
  ['wedge', [-0.6, 0.6].flatMap((z) => [[0, 1, z], [-0.866, -0.5, z], [0.866, -0.5, z]] as V3[])],
  [
    'hull_a',
    onEllipsoid([1, 0.6, 0.45], [
      [1, 0.2, 0.1], [-0.8, 0.5, -0.3], [0.1, -1, 0.4], [-0.3, 0.2, 1],
      [0.4, 0.6, -0.9], [-0.6, -0.7, -0.5], [0.7, -0.3, -0.6],
    ]),
  ],
  [
    'hull_b',
    onEllipsoid([0.8, 1, 0.6], [
      [0.9, 0.3, 0.2], [-0.7, 0.6, 0.1], [0.2, 0.9, -0.5], [0.1, -0.9, 0.3], [-0.4, -0.5, -0.8],
      [0.5, -0.2, 0.9], [-0.6, 0.1, 0.8], [0.6, 0.4, -0.7], [-0.9, -0.4, 0.2],
    ]),
  ],
  [
    'hull_c',
    // A squashed, jittered icosahedron.
    onEllipsoid([1, 0.85, 0.7], [
      [0, 1, 1.62], [0.1, -1, 1.6], [0, 1.1, -1.62], [-0.1, -1, -1.6],
      [1, 1.62, 0.1], [-1, 1.6, 0], [1.1, -1.62, 0], [-1, -1.6, -0.1],
      [1.62, 0, 1], [1.6, 0.1, -1], [-1.62, 0, 1.1], [-1.6, -0.1, -1],
    ]),
  ],
];

const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: V3, b: V3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/**
 * Convex hull faces by brute force (n <= 12): every supporting plane through three points, its coplanar points
 * ordered counter-clockwise seen from outside. Throws if a point is not a hull vertex or the hull is flat.
 */
export function convexHullFaces(points: V3[]): number[][] {
  const n = points.length;
  let scale = 0;
  for (const p of points) scale = Math.max(scale, Math.abs(p[0]), Math.abs(p[1]), Math.abs(p[2]));
  const eps = 1e-9 * scale * scale * scale;
  const seen = new Set<string>();
  const faces: number[][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = j + 1; k < n; k++) {
        let nrm = cross(sub(points[j], points[i]), sub(points[k], points[i]));
        if (dot(nrm, nrm) <= eps * eps) continue;
        let pos = 0;
        let neg = 0;
        const on: number[] = [];
        for (let l = 0; l < n; l++) {
          const s = dot(nrm, sub(points[l], points[i]));
          if (s > eps) pos++;
          else if (s < -eps) neg++;
          else on.push(l);
        }
        if (pos > 0 && neg > 0) continue;
        if (pos > 0) nrm = [-nrm[0], -nrm[1], -nrm[2]];
        const key = on.join(',');
        if (seen.has(key)) continue;
        seen.add(key);
        // Order the coplanar points by angle around their centroid, counter-clockwise about the outward normal.
        const c: V3 = [0, 0, 0];
        for (const l of on) for (let a = 0; a < 3; a++) c[a] += points[l][a] / on.length;
        const u = sub(points[on[0]], c);
        const w = cross(nrm, u);
        const ang = new Map(on.map((l) => [l, Math.atan2(dot(sub(points[l], c), w), dot(sub(points[l], c), u))]));
        faces.push([...on].sort((a, b) => ang.get(a)! - ang.get(b)!));
      }
    }
  }
  if (faces.length < 4) throw new Error('convexHullFaces: points are coplanar; a mesh needs a 3D hull');
  const used = new Set(faces.flat());
  for (let l = 0; l < n; l++) {
    if (!used.has(l)) throw new Error(`convexHullFaces: point ${l} is inside the hull; mesh vertices must be extreme`);
  }
  return faces;
}

/** Volume and centre of mass (uniform density) of a convex polyhedron given by its faces. */
export function polyhedronMassProperties(points: V3[], faces: number[][]): { volume: number; com: V3 } {
  const o: V3 = [0, 0, 0];
  for (const p of points) for (let a = 0; a < 3; a++) o[a] += p[a] / points.length;
  let volume = 0;
  const com: V3 = [0, 0, 0];
  for (const f of faces) {
    for (let t = 1; t + 1 < f.length; t++) {
      const a = points[f[0]];
      const b = points[f[t]];
      const c = points[f[t + 1]];
      const v = Math.abs(dot(sub(a, o), cross(sub(b, o), sub(c, o)))) / 6;
      volume += v;
      for (let ax = 0; ax < 3; ax++) com[ax] += (v * (o[ax] + a[ax] + b[ax] + c[ax])) / 4;
    }
  }
  return { volume, com: [com[0] / volume, com[1] / volume, com[2] / volume] };
}

function buildMesh(name: string, index: number, raw: V3[]): MeshDef {
  if (raw.length < 4 || raw.length > MAX_VERTS) throw new Error(`mesh ${name}: needs 4..${MAX_VERTS} vertices`);
  const faces0 = convexHullFaces(raw);
  const { com } = polyhedronMassProperties(raw, faces0);
  const centred = raw.map((p) => sub(p, com));
  let r = 0;
  for (const p of centred) r = Math.max(r, Math.sqrt(dot(p, p)));
  const pts = centred.map((p): V3 => [(0.5 * p[0]) / r, (0.5 * p[1]) / r, (0.5 * p[2]) / r]);
  const faces = convexHullFaces(pts);
  const { volume } = polyhedronMassProperties(pts, faces);
  return { name, index, vertexCount: pts.length, vertices: Float64Array.from(pts.flat()), volume, radius: 0.5, faces };
}

/** Every mesh of the library, in one-hot order. */
export const MESH_LIBRARY: readonly MeshDef[] = RAW.map(([name, pts], i) => buildMesh(name, i, pts));

/** Mesh names in one-hot order. */
export const MESH_NAMES: readonly string[] = MESH_LIBRARY.map((m) => m.name);

/** Per-body feature count F: one-hot mesh type over MESH_NAMES, then scale (m), then mass (tonnes). */
export const BODY_FEATURES = MESH_NAMES.length + 2;

/** The mesh called `name`; throws naming the known meshes otherwise. */
export function getMesh(name: string): MeshDef {
  const m = MESH_LIBRARY.find((x) => x.name === name);
  if (!m) throw new Error(`unknown mesh "${name}"; known meshes: ${MESH_NAMES.join(', ')}`);
  return m;
}

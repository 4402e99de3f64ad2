import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import RAPIER from '@dimforge/rapier3d-deterministic-compat';
import { BODY_FEATURES, convexHullFaces, getMesh, MAX_VERTS, MESH_LIBRARY, MESH_NAMES, polyhedronMassProperties } from './meshes.js';
import { initPhysics } from './simulate.js';

describe('mesh library', () => {
  before(() => initPhysics());

  it('has the required shapes, 4..MAX_VERTS vertices each, centred and normalised', () => {
    for (const name of ['cube', 'tetrahedron', 'octahedron', 'elongated_box']) assert.ok(MESH_NAMES.includes(name));
    assert.ok(MESH_NAMES.filter((n) => n.startsWith('hull_')).length >= 3);
    assert.equal(MAX_VERTS, 12);
    assert.equal(BODY_FEATURES, MESH_NAMES.length + 2);
    assert.equal(Math.max(...MESH_LIBRARY.map((m) => m.vertexCount)), MAX_VERTS);
    for (const m of MESH_LIBRARY) {
      assert.ok(m.vertexCount >= 4 && m.vertexCount <= MAX_VERTS, m.name);
      assert.equal(m.vertices.length, 3 * m.vertexCount);
      let r = 0;
      for (let j = 0; j < m.vertexCount; j++) r = Math.max(r, Math.hypot(m.vertices[3 * j], m.vertices[3 * j + 1], m.vertices[3 * j + 2]));
      assert.ok(Math.abs(r - 0.5) < 1e-12, `${m.name} radius ${r}`);
      assert.equal(getMesh(m.name), m);
      // Euler characteristic of a convex polyhedron: V - E + F = 2
      const edges = m.faces.reduce((a, f) => a + f.length, 0) / 2;
      assert.equal(m.vertexCount - edges + m.faces.length, 2, m.name);
    }
    assert.throws(() => getMesh('sphere'), /unknown mesh "sphere"; known meshes: cube/);
  });

  it('computes volume and centre of mass like an independent closed form', () => {
    // cube of side 2: volume 8; a corner tetrahedron (0, e1, e2, e3): volume 1/6, centroid 1/4
    const cube = [-1, 1].flatMap((x) => [-1, 1].flatMap((y) => [-1, 1].map((z): [number, number, number] => [x + 3, y, z])));
    const c = polyhedronMassProperties(cube, convexHullFaces(cube));
    assert.ok(Math.abs(c.volume - 8) < 1e-12);
    assert.deepEqual(c.com.map((x) => +x.toFixed(12)), [3, 0, 0]);
    const tet: [number, number, number][] = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const t = polyhedronMassProperties(tet, convexHullFaces(tet));
    assert.ok(Math.abs(t.volume - 1 / 6) < 1e-12);
    for (const x of t.com) assert.ok(Math.abs(x - 0.25) < 1e-12);
  });

  it('agrees with Rapier on mass and centre of mass of every mesh', () => {
    for (const m of MESH_LIBRARY) {
      const world = new RAPIER.World({ x: 0, y: 0, z: 0 });
      const body = world.createRigidBody(RAPIER.RigidBodyDesc.dynamic());
      const desc = RAPIER.ColliderDesc.convexHull(Float32Array.from(m.vertices))!;
      world.createCollider(desc.setDensity(1), body);
      assert.ok(Math.abs(body.mass() - m.volume) < 1e-5 * m.volume + 1e-7, `${m.name}: rapier ${body.mass()} vs ${m.volume}`);
      const com = body.localCom();
      assert.ok(Math.hypot(com.x, com.y, com.z) < 1e-5, `${m.name}: rapier COM ${JSON.stringify(com)}`);
      world.free();
    }
  });

  it('rejects interior points and flat point sets', () => {
    const pts: [number, number, number][] = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0.1, 0.1, 0.1]];
    assert.throws(() => convexHullFaces(pts), /point 4 is inside the hull/);
    assert.throws(() => convexHullFaces([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]]), /coplanar/);
  });
});

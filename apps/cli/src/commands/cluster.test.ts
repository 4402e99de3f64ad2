import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseYamlDocuments, validateK8sDocument } from '@equiscale/cluster/testing';

const root = new URL('../../../../', import.meta.url).pathname;
/** the installed `equiscale` command, as a user runs it after npm ci */
function equiscale(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('npx', ['--no-install', 'equiscale', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

/** stderr of a refused command: exactly one line, naming `flag` */
function assertOneLine(r: { status: number | null; stderr: string }, flag: RegExp) {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, flag);
}

describe('equiscale slurm / k8s', () => {
  it('slurm script prints a bash job-array script of one worker per task, exec-ing this installation', () => {
    const r = equiscale(['slurm', 'script', '--coordinator', '127.0.0.1:50051', '--workers', '4'], { EQUISCALE_TOKEN: 'never-printed' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(spawnSync('bash', ['-n'], { input: r.stdout }).status, 0, 'bash syntax');
    assert.match(r.stdout, /^#SBATCH --array=0-3$/m);
    assert.match(r.stdout, /^exec node \S+\/apps\/cli\/bin\/equiscale\.mjs worker --coordinator 127\.0\.0\.1:50051 /m);
    assert.ok(!r.stdout.includes('never-printed'), 'the token is not written into the script');
  });

  it('k8s manifests prints documents that pass the Kubernetes schema validation', () => {
    for (const extra of [[], ['--gpu', '--namespace', 'sweeps', '--worker-kind', 'deployment']]) {
      const r = equiscale(['k8s', 'manifests', '--image', 'equiscale:dev', '--workers', '4', ...extra]);
      assert.equal(r.status, 0, r.stderr);
      const docs = parseYamlDocuments(r.stdout) as { kind: string }[];
      assert.deepEqual(docs.map((d) => d.kind), ['Secret', 'Deployment', 'Service', extra.length ? 'Deployment' : 'Job']);
      for (const d of docs) validateK8sDocument(d);
    }
  });

  it('refuses bad flags with one line naming the flag (exit 2)', () => {
    assertOneLine(equiscale(['slurm', 'script', '--coordinator', 'nohost', '--workers', '4']), /--coordinator must be HOST:PORT/);
    assertOneLine(equiscale(['slurm', 'script', '--coordinator', '127.0.0.1:50051', '--workers', '4', '--time', 'soon']), /--time must be a SLURM time limit/);
    assertOneLine(
      equiscale(['slurm', 'submit', '--coordinator', '127.0.0.1:50051', '--workers', '2', '--sbatch', '/nonexistent/sbatch']),
      /--sbatch: "\/nonexistent\/sbatch" was not found/,
    );
    assertOneLine(equiscale(['k8s', 'manifests', '--image', 'equiscale:dev', '--workers', '2', '--namespace', 'Bad_NS']), /--namespace must/);
  });
});

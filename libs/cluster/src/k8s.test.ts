import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { k8sManifestsYaml, renderK8sManifests, SECRET_PLACEHOLDERS, type K8sManifestOptions } from './index.js';
import { parseYamlDocuments, validateK8sDocument } from './testing.js';

const root = new URL('../../../', import.meta.url).pathname;

/** Renders, prints as YAML, parses back and validates every document; returns the parsed documents. */
function renderedAndValid(o: K8sManifestOptions): any[] {
  const docs = parseYamlDocuments(k8sManifestsYaml(renderK8sManifests(o), o.secret ? 'environment' : 'placeholders')) as any[];
  for (const d of docs) validateK8sDocument(d);
  return docs;
}

const byKind = (docs: any[], kind: string, name?: string) => docs.find((d) => d.kind === kind && (!name || d.metadata.name === name));

describe('k8s manifests', () => {
  it('every document of every variant passes the Kubernetes OpenAPI schema validation', () => {
    const variants: K8sManifestOptions[] = [
      { image: 'equiscale:dev', workers: 4 },
      { image: 'registry.example/equiscale:1.0', workers: 2, gpu: true, namespace: 'sweeps' },
      { image: 'equiscale:dev', workers: 3, workerKind: 'deployment', workerCpu: '500m', workerMemory: '1Gi', port: 6000, name: 'eq' },
      { image: 'equiscale:dev', workers: 1, secret: { token: 't0k', databaseUrl: 'postgres://u:p@db:5432/e' } },
    ];
    for (const v of variants) {
      const docs = renderedAndValid(v);
      assert.deepEqual(docs.map((d) => d.kind), ['Secret', 'Deployment', 'Service', v.workerKind === 'deployment' ? 'Deployment' : 'Job']);
      for (const d of docs) assert.equal(d.metadata.namespace, v.namespace ?? 'default');
    }
  });

  it('wires the coordinator: gRPC port, health probes on it, Service to it, secrets from the Secret', () => {
    const docs = renderedAndValid({ image: 'equiscale:dev', workers: 4, port: 6000 });
    const secret = byKind(docs, 'Secret');
    assert.deepEqual(secret.stringData, { EQUISCALE_TOKEN: SECRET_PLACEHOLDERS.token, DATABASE_URL: SECRET_PLACEHOLDERS.databaseUrl });
    const coord = byKind(docs, 'Deployment', 'equiscale-coordinator');
    const c = coord.spec.template.spec.containers[0];
    assert.equal(c.image, 'equiscale:dev');
    assert.equal(c.command, undefined, "no command override: the image's exec-form entrypoint keeps node as PID 1");
    assert.deepEqual(c.args.slice(0, 1), ['coordinator']);
    assert.equal(c.args[c.args.indexOf('--port') + 1], '6000');
    assert.deepEqual(c.ports, [{ name: 'grpc', containerPort: 6000, protocol: 'TCP' }]);
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) assert.deepEqual(c[p].grpc, { port: 6000 }, p);
    assert.deepEqual(
      c.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]),
      [['EQUISCALE_TOKEN', secret.metadata.name, 'EQUISCALE_TOKEN'], ['DATABASE_URL', secret.metadata.name, 'DATABASE_URL']],
    );
    const svc = byKind(docs, 'Service');
    assert.deepEqual(svc.spec.selector, coord.spec.template.metadata.labels);
    assert.deepEqual(svc.spec.ports[0], { name: 'grpc', port: 6000, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' });
  });

  it('runs N workers as an Indexed Job with resources, a checkpointing grace period, the token from the Secret, and GPUs only with --gpu', () => {
    for (const gpu of [false, true]) {
      const docs = renderedAndValid({ image: 'equiscale:dev', workers: 4, gpu, namespace: 'ns1' });
      const job = byKind(docs, 'Job');
      assert.deepEqual([job.spec.completionMode, job.spec.completions, job.spec.parallelism], ['Indexed', 4, 4]);
      const pod = job.spec.template.spec;
      assert.ok(pod.terminationGracePeriodSeconds >= 60, 'time to finish a step and checkpoint');
      const c = pod.containers[0];
      assert.equal(c.command, undefined);
      assert.equal(c.args[0], 'worker');
      assert.equal(c.args[c.args.indexOf('--coordinator') + 1], 'equiscale-coordinator.ns1.svc:50051');
      assert.ok(!c.args.includes('--token'), 'the token is never on the command line');
      assert.deepEqual(c.env.find((e: any) => e.name === 'EQUISCALE_TOKEN').valueFrom.secretKeyRef, { name: 'equiscale-secrets', key: 'EQUISCALE_TOKEN' });
      assert.deepEqual(c.resources.requests.cpu, '1');
      assert.deepEqual(c.resources.limits.memory, '4Gi');
      assert.equal(c.resources.requests['nvidia.com/gpu'], gpu ? '1' : undefined);
      assert.equal(c.resources.limits['nvidia.com/gpu'], gpu ? '1' : undefined);
    }
  });

  it('fills the Secret from the given values and says so', () => {
    const text = k8sManifestsYaml(renderK8sManifests({ image: 'i:1', workers: 1, secret: { token: 'abc', databaseUrl: 'postgres://x' } }), 'environment');
    assert.match(text, /values of EQUISCALE_TOKEN and DATABASE_URL from the environment/);
    assert.deepEqual((parseYamlDocuments(text)[0] as any).stringData, { EQUISCALE_TOKEN: 'abc', DATABASE_URL: 'postgres://x' });
  });

  it('rejects broken documents (the validation can fail)', () => {
    const docs = renderedAndValid({ image: 'equiscale:dev', workers: 2 });
    const broken: [string, (d: any[]) => unknown][] = [
      ['Deployment without a selector', (d) => { const x = structuredClone(byKind(d, 'Deployment')); delete x.spec.selector; return x; }],
      ['replicas as a string', (d) => { const x = structuredClone(byKind(d, 'Deployment')); x.spec.replicas = 'two'; return x; }],
      ['a gRPC probe on a named port', (d) => { const x = structuredClone(byKind(d, 'Deployment')); x.spec.template.spec.containers[0].readinessProbe.grpc.port = 'grpc'; return x; }],
      ['a Job container without a name', (d) => { const x = structuredClone(byKind(d, 'Job')); delete x.spec.template.spec.containers[0].name; return x; }],
      ['a Service port out of range', (d) => { const x = structuredClone(byKind(d, 'Service')); x.spec.ports[0].port = 'fifty'; return x; }],
      ['an unknown kind', () => ({ apiVersion: 'v1', kind: 'Frobnicator', metadata: { name: 'x' } })],
    ];
    for (const [what, make] of broken) assert.throws(() => validateK8sDocument(make(docs)), Error, what);
  });

  it('refuses bad options with one line naming the flag', () => {
    const cases: [Partial<K8sManifestOptions>, RegExp][] = [
      [{ image: 'has space' }, /^--image must/],
      [{ workers: 0 }, /^--workers must/],
      [{ namespace: 'Upper_Case' }, /^--namespace must/],
      [{ workerMemory: 'lots' }, /^--worker-memory must/],
      [{ workerKind: 'daemonset' as any }, /^--worker-kind must/],
      [{ secret: { token: '', databaseUrl: 'x' } }, /^--secret-from-env needs/],
    ];
    for (const [over, msg] of cases) {
      assert.throws(() => renderK8sManifests({ image: 'equiscale:dev', workers: 2, ...over }), (e: Error) => {
        assert.equal(e.name, 'ClusterOptionError');
        assert.match(e.message, msg);
        assert.ok(!e.message.includes('\n'));
        return true;
      });
    }
  });

  it("the Dockerfile's entrypoint runs node in exec form (node is PID 1 and gets SIGTERM)", () => {
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    assert.match(dockerfile, /^FROM node:20/m);
    assert.match(dockerfile, /RUN npm ci\b/);
    const entry = /^ENTRYPOINT (.*)$/m.exec(dockerfile);
    assert.ok(entry, 'an ENTRYPOINT line');
    const argv = JSON.parse(entry![1]!) as string[];
    assert.deepEqual(argv, ['node', '/app/apps/cli/bin/equiscale.mjs'], 'exec form, node directly (no sh -c)');
    assert.match(dockerfile, /^USER node$/m, 'uid 1000 as runAsUser in the manifests');
  });
});

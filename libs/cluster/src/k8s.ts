/**
 * Kubernetes manifests for equiscale: the coordinator (Deployment + Service, gRPC health probes), a Secret with the
 * token and the database URL, and the workers (an Indexed Job by default, or a Deployment).
 *
 * Every object is typed with the Kubernetes API types of `kubernetes-models` (type imports only), so a misspelt
 * field fails the typecheck; libs/cluster/src/k8s.test.ts validates the rendered documents against the OpenAPI
 * schemas (the same package's validators).
 *
 * Signals: the image's entrypoint runs node directly (exec form), so node is PID 1 and the kubelet's SIGTERM reaches
 * it; coordinator and worker both handle SIGTERM (PID 1 ignores signals it has no handler for). A worker given
 * SIGTERM (pod deleted, node drained, Job suspended) finishes its step, checkpoints and hands its trial back, within
 * terminationGracePeriodSeconds.
 */
import { stringify } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { checkPositiveInt, checkToken, fail } from './options.js';

export interface K8sManifestOptions {
  /** container image holding this repository (see the Dockerfile) */
  image: string;
  /** worker pods */
  workers: number;
  namespace?: string;
  /** request one nvidia.com/gpu per worker */
  gpu?: boolean;
  /** prefix of every object's name (default equiscale) */
  name?: string;
  /** the coordinator's gRPC port (default 50051) */
  port?: number;
  /** 'job' (default): an Indexed Job whose pods exit when no trial is left; 'deployment': a long-lived pool */
  workerKind?: 'job' | 'deployment';
  /** CPU of one worker (default "1": one worker trains on one core) */
  workerCpu?: string;
  /** memory of one worker (default 2Gi request, the limit twice that) */
  workerMemory?: string;
  /** seconds a stopping worker has to finish its step and checkpoint (default 120) */
  gracePeriod?: number;
  /** Job workers: exit after this long with no pending trial (default 300000) */
  idleExitMs?: number;
  /**
   * the Secret's values; absent: placeholders (REPLACE-ME) the user fills before applying. The CLI takes them from
   * EQUISCALE_TOKEN and DATABASE_URL with --secret-from-env.
   */
  secret?: { token: string; databaseUrl: string };
}

export type K8sDocument = IDeployment | IService | ISecret | IJob;

export const K8S_DEFAULTS = {
  name: 'equiscale',
  namespace: 'default',
  port: 50051,
  workerKind: 'job' as const,
  workerCpu: '1',
  workerMemory: '2Gi',
  gracePeriod: 120,
  idleExitMs: 300_000,
};

export const SECRET_PLACEHOLDERS = {
  token: 'REPLACE-ME-with-a-long-random-token',
  databaseUrl: 'postgres://equiscale:REPLACE-ME@postgres.example:5432/equiscale',
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]+)?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** "2Gi" → "4Gi": the memory limit is twice the request (training spikes when it evaluates). */
function twice(q: string): string {
  const m = /^([0-9]+)(.*)$/.exec(q)!;
  return `${Number(m[1]) * 2}${m[2]}`;
}

/** The documents, in apply order (Secret first). Throws ClusterOptionError on a bad option. */
export function renderK8sManifests(o: K8sManifestOptions): K8sDocument[] {
  checkToken('--image', o.image, IMAGE, 'registry.example/equiscale:1.0');
  checkPositiveInt('--workers', o.workers, 10_000);
  const ns = checkToken('--namespace', o.namespace ?? K8S_DEFAULTS.namespace, DNS_LABEL, 'equiscale (lower-case letters, digits and -)');
  const name = checkToken('--name', o.name ?? K8S_DEFAULTS.name, DNS_LABEL, 'equiscale (lower-case letters, digits and -)');
  const port = checkPositiveInt('--port', o.port ?? K8S_DEFAULTS.port, 65535);
  const workerKind = o.workerKind ?? K8S_DEFAULTS.workerKind;
  if (workerKind !== 'job' && workerKind !== 'deployment') fail(`--worker-kind must be job or deployment (got ${JSON.stringify(workerKind)})`);
  const cpu = checkToken('--worker-cpu', o.workerCpu ?? K8S_DEFAULTS.workerCpu, CPU, '1 or 500m');
  const memory = checkToken('--worker-memory', o.workerMemory ?? K8S_DEFAULTS.workerMemory, MEMORY, '2Gi');
  const grace = checkPositiveInt('--grace-period', o.gracePeriod ?? K8S_DEFAULTS.gracePeriod, 86_400);
  const idleExitMs = checkPositiveInt('--idle-exit-ms', o.idleExitMs ?? K8S_DEFAULTS.idleExitMs);
  if (o.secret && (!o.secret.token || !o.secret.databaseUrl)) fail('--secret-from-env needs both EQUISCALE_TOKEN and DATABASE_URL set in the environment');

  const secretName = `${name}-secrets`;
  const coordName = `${name}-coordinator`;
  const workersName = `${name}-workers`;
  const partOf = { 'app.kubernetes.io/part-of': name };
  const coordLabels = { 'app.kubernetes.io/name': coordName, ...partOf };
  const workerLabels = { 'app.kubernetes.io/name': workersName, ...partOf };
  const secretEnv = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: secretName, key } } });
  const security: IContainer['securityContext'] = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  const podSecurity: IPodSpec['securityContext'] = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 };

  const secret: ISecret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace: ns, labels: partOf },
    type: 'Opaque',
    stringData: {
      EQUISCALE_TOKEN: o.secret?.token ?? SECRET_PLACEHOLDERS.token,
      DATABASE_URL: o.secret?.databaseUrl ?? SECRET_PLACEHOLDERS.databaseUrl,
    },
  };

  const coordinator: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: coordName, namespace: ns, labels: coordLabels },
    spec: {
      // stateless (all state in Postgres): one replica is enough; more may run against the same database
      replicas: 1,
      selector: { matchLabels: coordLabels },
      template: {
        metadata: { labels: coordLabels },
        spec: {
          securityContext: podSecurity,
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'coordinator',
              image: o.image,
              args: ['coordinator', '--host', '0.0.0.0', '--port', String(port)],
              env: [secretEnv('EQUISCALE_TOKEN', 'EQUISCALE_TOKEN'), secretEnv('DATABASE_URL', 'DATABASE_URL')],
              ports: [{ name: 'grpc', containerPort: port, protocol: 'TCP' }],
              // grpc.health.v1.Health on the gRPC port, answered without the token (probes send no metadata)
              startupProbe: { grpc: { port }, periodSeconds: 2, failureThreshold: 60 },
              readinessProbe: { grpc: { port }, periodSeconds: 10, failureThreshold: 3 },
              livenessProbe: { grpc: { port }, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
              resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
              securityContext: security,
            },
          ],
        },
      },
    },
  };

  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: coordName, namespace: ns, labels: coordLabels },
    spec: {
      type: 'ClusterIP',
      selector: coordLabels,
      ports: [{ name: 'grpc', port, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' }],
    },
  };

  const workerArgs = ['worker', '--coordinator', `${coordName}.${ns}.svc:${port}`, '--worker-id', '$(POD_NAME)'];
  if (workerKind === 'job') workerArgs.push('--idle-exit-ms', String(idleExitMs));
  const requests: Record<string, string> = { cpu, memory };
  const limits: Record<string, string> = { cpu, memory: twice(memory) };
  if (o.gpu) {
    // extended resources: request and limit must be equal
    requests['nvidia.com/gpu'] = '1';
    limits['nvidia.com/gpu'] = '1';
  }
  const workerPod: IPodSpec = {
    securityContext: podSecurity,
    // long enough for the current step + checkpoint + ReleaseTrial; the worker exits as soon as that is done
    terminationGracePeriodSeconds: grace,
    restartPolicy: workerKind === 'job' ? 'OnFailure' : 'Always',
    ...(o.gpu ? { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
    containers: [
      {
        name: 'worker',
        image: o.image,
        args: workerArgs,
        env: [
          secretEnv('EQUISCALE_TOKEN', 'EQUISCALE_TOKEN'),
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'EQUISCALE_CACHE_DIR', value: '/cache' },
        ],
        resources: { requests, limits },
        volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
        securityContext: security,
      },
    ],
    volumes: [{ name: 'cache', emptyDir: {} }],
  };

  const workers: IJob | IDeployment =
    workerKind === 'job'
      ? {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: workersName, namespace: ns, labels: workerLabels },
          spec: {
            // one pod per index; a pod exits 0 when no trial is left (--idle-exit-ms), completing its index
            completionMode: 'Indexed',
            completions: o.workers,
            parallelism: o.workers,
            backoffLimit: Math.max(6, 2 * o.workers),
            template: { metadata: { labels: workerLabels }, spec: workerPod },
          },
        }
      : {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: workersName, namespace: ns, labels: workerLabels },
          spec: {
            replicas: o.workers,
            selector: { matchLabels: workerLabels },
            template: { metadata: { labels: workerLabels }, spec: workerPod },
          },
        };

  return [secret, coordinator, service, workers];
}

/** Multi-document YAML, with a header saying where the Secret's values come from. */
export function k8sManifestsYaml(docs: K8sDocument[], secretFrom: 'placeholders' | 'environment'): string {
  const header = [
    '# equiscale on Kubernetes (generated by `equiscale k8s manifests`): apply with `kubectl apply -f FILE`.',
    secretFrom === 'placeholders'
      ? '# The Secret holds PLACEHOLDERS: replace EQUISCALE_TOKEN and DATABASE_URL (REPLACE-ME) before applying.'
      : '# The Secret holds the values of EQUISCALE_TOKEN and DATABASE_URL from the environment: keep this file private.',
  ].join('\n');
  return `${header}\n${docs.map((d) => `---\n${stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('')}`;
}

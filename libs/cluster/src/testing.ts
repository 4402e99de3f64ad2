/**
 * Validation of Kubernetes documents against the Kubernetes OpenAPI schemas, through the validators that
 * `kubernetes-models` generates from them (Kubernetes 1.3x API; no cluster needed). For the tests.
 */
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Namespace } from 'kubernetes-models/v1/Namespace';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/Namespace': Namespace,
};

/** Throws (with the schema's complaint) unless `doc` is a valid object of a kind the generators emit. */
export function validateK8sDocument(doc: unknown): void {
  const d = doc as { apiVersion?: unknown; kind?: unknown };
  const model = MODELS[`${String(d?.apiVersion)}/${String(d?.kind)}`];
  if (!model) throw new Error(`unknown apiVersion/kind ${String(d?.apiVersion)}/${String(d?.kind)}`);
  new model(doc).validate();
}

/** Parses multi-document YAML (failing on a YAML error); empty documents are dropped. */
export function parseYamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`YAML: ${d.errors[0]!.message}`);
      return d.toJS() as unknown;
    })
    .filter((d) => d !== null && d !== undefined);
}

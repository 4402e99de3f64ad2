export { ClusterOptionError, parseSlurmTime, shellQuote } from './options.js';
export { renderSlurmScript, checkSlurmOptions, SLURM_DEFAULTS, type SlurmScriptOptions } from './slurm.js';
export { renderK8sManifests, k8sManifestsYaml, K8S_DEFAULTS, SECRET_PLACEHOLDERS, type K8sManifestOptions, type K8sDocument } from './k8s.js';

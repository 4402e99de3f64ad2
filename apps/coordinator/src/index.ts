export { startCoordinator, type CoordinatorOptions, type RunningCoordinator } from './server.js';
export {
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_REAP_INTERVAL_MS,
  DEFAULT_IDLE_RETRY_MS,
} from './server.js';
export { workerServiceImpl, type WorkerServiceDeps } from './worker-service.js';
export { adminServiceImpl, type AdminServiceDeps } from './admin-service.js';
export { withMiddleware, toRpcError, type CallContext, type ServiceImpl, type UnaryHandler } from './middleware.js';
export { createLogger, silentLogger, redactValue, type Logger, type LogLevel, type LogFields } from './logger.js';
export { planFromText, checkOnlyAdditions, type SweepPlanRows } from './sweep-plan.js';
export { startReaper, type Reaper } from './reaper.js';
export { coordinatorMain, type CoordinatorMainOptions } from './main.js';
export { healthService, HEALTH_SERVICES, type HealthState } from './health.js';
export { coordinatorMetrics, serveMetrics, type CoordinatorMetrics } from './metrics.js';
export type { WorkerServiceObserver } from './worker-service.js';

export { startDashboard, isLoopback, type DashboardOptions, type RunningDashboard } from './server.js';

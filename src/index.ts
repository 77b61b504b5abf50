/**
 * Baraza's package entry: mount the gateway in an Express app you already run.
 *
 *   app.use('/baraza', await createGateway());
 */

export {
  type ConfigOverrides,
  type CreateGatewayOptions,
  createGateway,
  type GatewayRouter,
  type MountableGateway,
} from './apps/gateway/index.js';
export type { Runtime } from './apps/runtime.js';
export type { Config } from './platform/config/index.js';

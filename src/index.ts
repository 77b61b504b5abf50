/**
 * Baraza's package entry: mount the gateway in an Express app you already run.
 *
 *   app.use('/baraza', await createGateway());
 */
export type { Runtime } from './app/runtime.js';
export type { Config } from './config/index.js';
export {
  type ConfigOverrides,
  type CreateGatewayOptions,
  createGateway,
  type GatewayRouter,
  type MountableGateway,
} from './gateway/index.js';

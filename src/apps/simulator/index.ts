export {
  OUTBOX_MAX_ITEMS,
  OUTBOX_TTL_MS,
  type OutboxItem,
  readOutbox,
  simulatorSender,
} from '../../../channels/simulator/outbox.js';
export {
  MAX_SIGN_BODY,
  parseOutboxQuery,
  SIMULATOR_PUBLIC_DIR,
  type SimulatorSettings,
  simulatorRouter,
  simulatorSettings,
  USSD_IDLE_TIMEOUT_MS,
} from './routes.js';

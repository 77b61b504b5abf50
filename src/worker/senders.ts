import type { Runtime } from '../app/runtime.js';
import type { SenderRegistry } from '../outbound/worker.js';

/** Live provider senders for the providers whose credentials are set; the rest use the simulator outbox. */
export function createLiveSenders(_rt: Runtime): SenderRegistry {
  return {};
}

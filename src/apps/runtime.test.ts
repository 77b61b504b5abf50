import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../platform/config/index.js';
import { withSimulatorSecrets } from './runtime.js';

const log = { info: () => undefined, warn: () => undefined };
const SALT = '3f9a0c2b7d1e4f6a8b5c9d0e1f2a3b4c';

describe('generated simulator secrets (issue 14, finding 3)', () => {
  it('finding 3: a trial simulator gets a per-process WhatsApp secret, so signature checks stay on', () => {
    const config = withSimulatorSecrets(loadConfig({}), log);
    expect(config.whatsapp.appSecret).toMatch(/^[0-9a-f]{48}$/);
  });

  it('finding 3: beside live credentials no secret is generated, so the Meta route cannot be opened through the signer', () => {
    const config = withSimulatorSecrets(
      loadConfig({ PII_SALT: SALT, SEND_MODE: 'simulator', TWILIO_AUTH_TOKEN: 'tw', AT_API_KEY: 'k' }),
      log,
    );
    expect(config.simulator).toBe(true);
    expect(config.whatsapp.appSecret).toBeUndefined();
  });

  it('keeps a configured secret as it is', () => {
    const config = withSimulatorSecrets(
      loadConfig({ PII_SALT: SALT, WHATSAPP_APP_SECRET: 'real', SEND_MODE: 'simulator' }),
      log,
    );
    expect(config.whatsapp.appSecret).toBe('real');
  });
});

import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.redisUrl).toBeUndefined();
    expect(c.packsDirs).toEqual(['packs']);
    expect(c.indexDir).toBe('.baraza/index');
    expect(c.ussd).toEqual({ deadlineMs: 8000, maxChars: 160 });
    expect(c.sms.maxSegments).toBe(3);
    expect(c.sendMode).toBe('live');
  });

  it('treats an empty variable as unset, so its default applies', () => {
    const c = loadConfig({ PACKS_DIR: '', MODELS_REMOTE_HOST: ' ', USSD_MAX_CHARS: '', SEND_MODE: '' });
    expect(c.packsDirs).toEqual(['packs']);
    expect(c.modelsRemoteHost).toBe('https://huggingface.co');
    expect(c.ussd.maxChars).toBe(160);
    expect(c.sendMode).toBe('live');
  });

  it.each([
    [{ USSD_MAX_CHARS: '200' }, 'USSD_MAX_CHARS: must be from 40 to 182, got 200'],
    [{ USSD_DEADLINE_MS: 'soon' }, 'USSD_DEADLINE_MS: must be a whole number'],
    [{ PORT: '70000' }, 'PORT: must be from 0 to 65535'],
    [{ REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL: must start with redis:// or rediss://'],
    [{ SEND_MODE: 'sometimes' }, 'SEND_MODE: must be "live" or "simulator"'],
    [{ AT_ALLOWED_IPS: '10.0.0.0/8, not-an-ip' }, 'AT_ALLOWED_IPS: "not-an-ip" is not an IP address'],
    [{ ADMIN_USER: 'ops' }, 'ADMIN_PASSWORD: ADMIN_USER and ADMIN_PASSWORD must be set together'],
    [{ TRUSTED_PROXIES: 'loopback, the-lb' }, 'TRUSTED_PROXIES: "the-lb" is not an IP address, a CIDR range'],
  ])('stops on %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads comma-separated packs folders and IP ranges', () => {
    const c = loadConfig({ PACKS_DIR: 'packs, /srv/extra', AT_ALLOWED_IPS: '196.201.214.0/24,10.1.2.3' });
    expect(c.packsDirs).toEqual(['packs', '/srv/extra']);
    expect(c.africasTalking.allowedIps).toEqual(['196.201.214.0/24', '10.1.2.3']);
  });

  it('believes X-Forwarded-For only from proxies on the host or a private network unless told otherwise', () => {
    expect(loadConfig({}).trustedProxies).toEqual(['loopback', 'linklocal', 'uniquelocal']);
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.5, 172.16.0.0/12' }).trustedProxies).toEqual([
      '10.0.0.5',
      '172.16.0.0/12',
    ]);
    expect(loadConfig({ TRUSTED_PROXIES: 'none' }).trustedProxies).toEqual([]);
  });
});

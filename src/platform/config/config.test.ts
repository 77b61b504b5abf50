import { describe, expect, it } from '@jest/globals';
import { atInboundAuth, ConfigError, DEV_PII_SALT, loadConfig, startupWarnings } from './index.js';

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

  it('finding 5: believes no X-Forwarded-For by default (TRUSTED_PROXIES=none), only the proxies named', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ TRUSTED_PROXIES: 'loopback,uniquelocal' }).trustedProxies).toEqual(['loopback', 'uniquelocal']);
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.5, 172.16.0.0/12' }).trustedProxies).toEqual([
      '10.0.0.5',
      '172.16.0.0/12',
    ]);
    expect(loadConfig({ TRUSTED_PROXIES: 'none' }).trustedProxies).toEqual([]);
  });
});

describe('live mode is safe by default (issue 14)', () => {
  const SALT = 'b7c1d0e9f3a24c6e8d5b1a0f9e8d7c6b';

  it.each([
    ['AT_API_KEY', { AT_USERNAME: 'acme', AT_API_KEY: 'atsk_live' }],
    ['AT_WEBHOOK_TOKEN', { AT_WEBHOOK_TOKEN: 'tok' }],
    ['TWILIO_AUTH_TOKEN', { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'tw', PUBLIC_BASE_URL: 'https://b.example' }],
    ['WHATSAPP_TOKEN', { WHATSAPP_TOKEN: 'EAAG', WHATSAPP_PHONE_NUMBER_ID: '1' }],
    ['WHATSAPP_APP_SECRET', { WHATSAPP_APP_SECRET: 'app-secret' }],
  ])('finding 4: %s without PII_SALT stops start-up with one line naming PII_SALT', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/^PII_SALT: must be set to a long random value/);
    expect(() => loadConfig(env)).toThrow(name);
    // Spelling the public development salt out is the same as leaving it unset.
    expect(() => loadConfig({ ...env, PII_SALT: DEV_PII_SALT })).toThrow(/^PII_SALT:/);
    expect(loadConfig({ ...env, PII_SALT: SALT }).liveCredentials).toEqual([name]);
  });

  it('finding 4: a trial without live credentials still runs on the development salt', () => {
    const c = loadConfig({ AT_USERNAME: 'sandbox', TWILIO_ACCOUNT_SID: 'AC1' });
    expect(c.piiSaltIsDefault).toBe(true);
    expect(c.liveCredentials).toEqual([]);
  });

  it('finding 3: the simulator is off beside live credentials by default, even without Redis', () => {
    expect(loadConfig({}).simulator).toBe(true);
    expect(loadConfig({ PII_SALT: SALT, WHATSAPP_APP_SECRET: 's' }).simulator).toBe(false);
    expect(loadConfig({ PII_SALT: SALT, AT_WEBHOOK_TOKEN: 't' }).simulator).toBe(false);
    // SEND_MODE=simulator is the operator's explicit choice: then it is on, and start-up says so loudly.
    const sim = loadConfig({ PII_SALT: SALT, WHATSAPP_APP_SECRET: 's', SEND_MODE: 'simulator' });
    expect(sim.simulator).toBe(true);
    expect(startupWarnings(sim).join('\n')).toMatch(/simulator API is on beside live credentials/);
  });

  it('finding 3: SIMULATOR=on beside live credentials without SEND_MODE=simulator stops start-up naming SIMULATOR', () => {
    const env = { PII_SALT: SALT, TWILIO_AUTH_TOKEN: 'tw', SIMULATOR: 'on' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/^SIMULATOR: cannot be "on" beside live credentials \(TWILIO_AUTH_TOKEN\)/);
    expect(loadConfig({ ...env, SEND_MODE: 'simulator' }).simulator).toBe(true);
    expect(loadConfig({ SIMULATOR: 'on', REDIS_URL: 'redis://127.0.0.1:6379' }).simulator).toBe(true);
  });

  it('finding 10: TWILIO_AUTH_TOKEN in live mode without PUBLIC_BASE_URL stops start-up naming PUBLIC_BASE_URL', () => {
    const env = { PII_SALT: SALT, TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'tw' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/^PUBLIC_BASE_URL: must be set beside TWILIO_AUTH_TOKEN in live mode/);
    expect(loadConfig({ ...env, PUBLIC_BASE_URL: 'https://baraza.example.org' }).publicBaseUrl).toBe(
      'https://baraza.example.org',
    );
    // The simulator (and the embedded trial) signs over the URL it is called at.
    expect(loadConfig({ ...env, SEND_MODE: 'simulator' }).publicBaseUrl).toBeUndefined();
  });

  it('finding 10: a Twilio token without TWILIO_ACCOUNT_SID is accepted, with a start-up warning', () => {
    const c = loadConfig({ PII_SALT: SALT, TWILIO_AUTH_TOKEN: 'tw', PUBLIC_BASE_URL: 'https://b.example' });
    expect(startupWarnings(c)).toEqual([expect.stringMatching(/^TWILIO_ACCOUNT_SID is unset/)]);
  });

  it('finding 12: METRICS_PORT moves /metrics to its own port, never the same as PORT', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ METRICS_PORT: '3000' })).toThrow(/^METRICS_PORT: must differ from PORT \(3000\)/);
    expect(() => loadConfig({ METRICS_PORT: 'nine' })).toThrow(/^METRICS_PORT: must be a whole number/);
  });

  it('finding 2: AT routes need a token or source addresses, or an explicit, loudly logged opt-out', () => {
    expect(loadConfig({}).africasTalking.inboundAuth).toBe('refuse');
    expect(loadConfig({ AT_WEBHOOK_TOKEN: 't', PII_SALT: SALT }).africasTalking.inboundAuth).toBe('token');
    expect(loadConfig({ AT_ALLOWED_IPS: '196.201.214.0/24' }).africasTalking.inboundAuth).toBe('ip');
    expect(
      loadConfig({ AT_WEBHOOK_TOKEN: 't', AT_ALLOWED_IPS: '10.0.0.1', PII_SALT: SALT }).africasTalking.inboundAuth,
    ).toBe('token+ip');
    const open = loadConfig({ AT_ALLOW_UNAUTHENTICATED: 'true' });
    expect(open.africasTalking.inboundAuth).toBe('open-by-choice');
    expect(startupWarnings(open)).toEqual([
      expect.stringMatching(/^AT_ALLOW_UNAUTHENTICATED=true: Africa's Talking routes accept callbacks from anyone/),
    ]);
    expect(startupWarnings(loadConfig({ AT_WEBHOOK_TOKEN: 't', PII_SALT: SALT }))).toEqual([]);
    expect(() => loadConfig({ AT_ALLOW_UNAUTHENTICATED: 'yes' })).toThrow(
      'AT_ALLOW_UNAUTHENTICATED: must be "true" or "false", got "yes"',
    );
  });

  it.each<[{ webhookToken?: string; allowedIps: string[]; allowUnauthenticated: boolean }, string]>([
    [{ webhookToken: undefined, allowedIps: [], allowUnauthenticated: false }, 'refuse'],
    [{ webhookToken: '', allowedIps: [], allowUnauthenticated: false }, 'refuse'],
    [{ webhookToken: undefined, allowedIps: [], allowUnauthenticated: true }, 'open-by-choice'],
    [{ webhookToken: 'x', allowedIps: [], allowUnauthenticated: true }, 'token'],
    [{ webhookToken: undefined, allowedIps: ['10.0.0.0/8'], allowUnauthenticated: true }, 'ip'],
    [{ webhookToken: 'x', allowedIps: ['10.0.0.0/8'], allowUnauthenticated: false }, 'token+ip'],
  ])('finding 2: atInboundAuth(%j) is %s', (input, expected) => {
    expect(atInboundAuth(input)).toBe(expected);
  });

  it('finding 8: REDIS_PASSWORD goes into the Redis URL, percent-encoded, and never twice', () => {
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD: 'p@ss/w:rd' }).redisUrl).toBe(
      'redis://:p%40ss%2Fw%3Ard@redis:6379',
    );
    expect(() => loadConfig({ REDIS_PASSWORD: 'x' })).toThrow('REDIS_PASSWORD: set REDIS_URL too');
    expect(() => loadConfig({ REDIS_URL: 'redis://:a@redis:6379', REDIS_PASSWORD: 'b' })).toThrow(
      'REDIS_PASSWORD: REDIS_URL already carries a password',
    );
  });

  it('finding 9: MODELS_REMOTE_HOST must be https (plain http only for a loopback host)', () => {
    expect(() => loadConfig({ MODELS_REMOTE_HOST: 'http://mirror.example.org' })).toThrow(
      /^MODELS_REMOTE_HOST: must start with https:\/\//,
    );
    expect(loadConfig({ MODELS_REMOTE_HOST: 'http://127.0.0.1:8080' }).modelsRemoteHost).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ MODELS_REMOTE_HOST: 'http://[::1]:8080' }).modelsRemoteHost).toBe('http://[::1]:8080');
    expect(loadConfig({}).modelsAllowedHosts).toContain('cdn-lfs.huggingface.co');
    expect(loadConfig({ MODELS_ALLOWED_HOSTS: 'cdn.example.org, Mirror.Example.org' }).modelsAllowedHosts).toEqual([
      'cdn.example.org',
      'mirror.example.org',
    ]);
    expect(() => loadConfig({ MODELS_ALLOWED_HOSTS: 'https://cdn.example.org' })).toThrow(
      'MODELS_ALLOWED_HOSTS: "https://cdn.example.org" is not a host name',
    );
  });
});

// The phone simulator page. Every action goes through the gateway's real webhook routes, shaped as the provider
// would send it; replies are read back from the simulator outbox.
import {
  cumulativeText,
  describeSegments,
  isUssdCode,
  mergeThread,
  newSmsId,
  newUssdSessionId,
  newWamid,
  parseUssdResponse,
  smsForm,
  smsInfo,
  ussdForm,
  ussdScreenInfo,
  whatsappSegments,
  whatsappWebhook,
} from './sim-core.js';

const $ = (id) => document.getElementById(id);
// Where the gateway is mounted: '' at the root, '/baraza' when a host app mounts it under /baraza.
const ROOT = location.pathname.replace(/\/simulator\/?$/, '');
const at = (path) => ROOT + path;
const POLL_MS = 1000;
const FORM = 'application/x-www-form-urlencoded';

let settings = {
  ussdCode: '*384*12#',
  ussdMaxChars: 160,
  ussdIdleTimeoutMs: 180000,
  smsShortcode: '21525',
  smsMaxSegments: 3,
  whatsappPhoneNumberId: '100000000000001',
  whatsappDisplayNumber: '15550001234',
  whatsappSigning: true,
};

function withToken(url) {
  return settings.atToken ? `${url}?token=${encodeURIComponent(settings.atToken)}` : url;
}

async function errorText(res) {
  const body = await res.text();
  try {
    const j = JSON.parse(body);
    if (j && typeof j.error === 'string') return `${res.status}: ${j.error}`;
  } catch {
    /* not JSON */
  }
  return `${res.status}: ${body.slice(0, 200)}`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c);
  return node;
}

function timeLabel(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// ---------------------------------------------------------------- tabs (phone-sized windows show one pane)
function setupTabs() {
  for (const tab of document.querySelectorAll('[data-tab]')) {
    tab.addEventListener('click', () => {
      for (const t of document.querySelectorAll('[data-tab]')) t.setAttribute('aria-selected', String(t === tab));
      for (const p of document.querySelectorAll('[data-pane]'))
        p.classList.toggle('active', p.dataset.pane === tab.dataset.tab);
    });
  }
}

// ---------------------------------------------------------------- USSD
const ussd = {
  state: 'idle', // idle | waiting | session | ended
  sessionId: '',
  serviceCode: '',
  phone: '',
  inputs: [],
  idleTimer: 0,
  tickTimer: 0,
  deadline: 0,
};

function ussdShow(stateLabel, text, meta = '', state = ussd.state) {
  $('ussd-state-label').textContent = stateLabel;
  $('ussd-screen').textContent = text;
  $('ussd-meta').textContent = meta;
  $('ussd-lcd').dataset.state = state;
}

function ussdButtons() {
  const call = $('ussd-call');
  call.textContent = ussd.state === 'session' ? 'Send' : ussd.state === 'ended' ? 'OK' : 'Call';
  call.disabled = ussd.state === 'waiting';
  $('ussd-end').disabled = ussd.state === 'idle';
}

function ussdStopTimers() {
  clearTimeout(ussd.idleTimer);
  clearInterval(ussd.tickTimer);
  $('ussd-timer').textContent = '';
}

function ussdArmIdleTimer() {
  ussdStopTimers();
  const ms = ussdIdleMs();
  ussd.deadline = Date.now() + ms;
  ussd.idleTimer = setTimeout(
    () => ussdEnd('Session timed out', `No answer for ${Math.round(ms / 1000)} s: the network closed the session.`),
    ms,
  );
  const tick = () => {
    const left = Math.max(0, Math.ceil((ussd.deadline - Date.now()) / 1000));
    $('ussd-timer').textContent = `${left} s`;
  };
  tick();
  ussd.tickTimer = setInterval(tick, 1000);
}

function ussdIdleMs() {
  // ?ussdIdle=<seconds> shortens the wait for demos and tests; the network's real value is the default.
  const q = Number(new URLSearchParams(location.search).get('ussdIdle'));
  return Number.isFinite(q) && q > 0 ? q * 1000 : settings.ussdIdleTimeoutMs;
}

function ussdEnd(label, text) {
  ussdStopTimers();
  ussd.state = 'ended';
  ussdShow(label, text, '', 'ended');
  ussdButtons();
  $('ussd-input').value = '';
}

function ussdReset() {
  ussdStopTimers();
  ussd.state = 'idle';
  ussd.inputs = [];
  ussdShow('Ready', 'Dial a code such as *384*12# and press Call.', '', 'idle');
  $('ussd-input').value = ussd.serviceCode || settings.ussdCode;
  ussdButtons();
}

function ussdTrace(text, status, screen) {
  const li = el(
    'li',
    {},
    el('code', {}, `text="${text}"`),
    ` → ${status} `,
    el('span', { class: 'trace-screen' }, screen),
  );
  $('ussd-trace').append(li);
}

async function ussdHop() {
  ussd.state = 'waiting';
  ussdButtons();
  ussdStopTimers();
  $('ussd-state-label').textContent = 'USSD code running…';
  const text = cumulativeText(ussd.inputs);
  let res;
  try {
    res = await fetch(withToken(at('/channels/africastalking/ussd')), {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: ussdForm({
        sessionId: ussd.sessionId,
        serviceCode: ussd.serviceCode,
        phoneNumber: ussd.phone,
        networkCode: '63902',
        text,
      }),
    });
  } catch (err) {
    ussdTrace(text, 'network error', String(err));
    return ussdEnd('Connection problem', 'Connection problem or invalid MMI code.');
  }
  if (!res.ok) {
    const why = await errorText(res);
    ussdTrace(text, res.status, why);
    return ussdEnd('Connection problem', `Connection problem or invalid MMI code.\n\n(${why})`);
  }
  const body = await res.text();
  ussdTrace(text, res.status, body);
  const screen = parseUssdResponse(body);
  if (!screen) return ussdEnd('Invalid answer', `The gateway did not answer CON or END:\n${body.slice(0, 200)}`);
  const info = ussdScreenInfo(screen.text, settings.ussdMaxChars);
  const meta = `${info.chars}/${info.limit} chars · ${info.encoding}${info.fits ? '' : ' · TOO LONG for one screen'}`;
  if (screen.end) {
    ussdStopTimers();
    ussd.state = 'ended';
    ussdShow('Session ended', screen.text, meta, 'ended');
    $('ussd-input').value = '';
  } else {
    ussd.state = 'session';
    ussdShow('Reply', screen.text, meta, 'session');
    $('ussd-input').value = '';
    ussdArmIdleTimer();
  }
  ussdButtons();
  $('ussd-input').focus();
}

async function ussdCallOrSend() {
  const input = $('ussd-input');
  if (ussd.state === 'idle') {
    const code = input.value.trim();
    if (!isUssdCode(code)) {
      ussdShow('Ready', 'Invalid MMI code. Dial a code such as *384*12#.', '', 'idle');
      return;
    }
    ussd.phone = $('ussd-phone').value.trim();
    ussd.serviceCode = code;
    ussd.inputs = [];
    ussd.sessionId = newUssdSessionId();
    $('ussd-trace').replaceChildren();
    return ussdHop();
  }
  if (ussd.state === 'session') {
    ussd.inputs.push(input.value);
    return ussdHop();
  }
  if (ussd.state === 'ended') ussdReset();
}

function setupUssd() {
  $('ussd-call').addEventListener('click', ussdCallOrSend);
  $('ussd-end').addEventListener('click', () => {
    if (ussd.state === 'ended') return ussdReset();
    ussdEnd('Session ended', 'You ended the session.');
  });
  $('ussd-back').addEventListener('click', () => {
    const i = $('ussd-input');
    i.value = i.value.slice(0, -1);
    i.focus();
  });
  $('ussd-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      ussdCallOrSend();
    }
  });
  for (const key of document.querySelectorAll('#ussd-keypad [data-key]')) {
    key.addEventListener('click', () => {
      if (ussd.state === 'ended' || ussd.state === 'waiting') return;
      const i = $('ussd-input');
      i.value += key.dataset.key;
    });
  }
  $('ussd-idle-label').textContent = String(Math.round(ussdIdleMs() / 1000));
  ussdReset();
}

// ---------------------------------------------------------------- SMS and WhatsApp threads
function makeThread({ channel, phoneInput, threadEl, render }) {
  const t = { channel, sent: [], received: [], signature: '', phone: '', openLists: new Set() };
  const placeholder = [...$(threadEl).childNodes].map((n) => n.cloneNode(true));
  t.reset = () => {
    t.sent = [];
    t.received = [];
    t.signature = '';
    t.openLists.clear();
    t.phone = $(phoneInput).value.trim();
    t.draw();
  };
  t.draw = () => {
    const items = mergeThread(t.sent, t.received);
    const sig = JSON.stringify([items.map((i) => [i.key, i.status]), [...t.openLists]]);
    if (sig === t.signature) return;
    t.signature = sig;
    const el = $(threadEl);
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (items.length === 0) {
      el.replaceChildren(...placeholder.map((n) => n.cloneNode(true)));
      return;
    }
    el.replaceChildren(...items.map((i) => render(i, t)));
    if (atBottom || items.at(-1)?.dir === 'out') el.scrollTop = el.scrollHeight;
  };
  t.poll = async () => {
    if (!t.phone) return;
    const phone = t.phone;
    try {
      const res = await fetch(at(`/simulator/api/outbox?to=${encodeURIComponent(phone)}`));
      if (!res.ok) {
        setStatus(`Outbox: ${await errorText(res)}`);
        return;
      }
      const items = await res.json();
      if (phone !== t.phone) return;
      t.received = items.filter((i) => i.channel === channel);
      setStatus('Connected');
      t.draw();
    } catch {
      setStatus('Gateway unreachable: is it running?');
    }
  };
  $(phoneInput).addEventListener('change', t.reset);
  return t;
}

function setStatus(text) {
  $('gateway-status').textContent = text;
}

function statusLabel(status) {
  return status === 'sending' ? 'sending…' : status === 'ok' ? '✓ accepted' : status;
}

// SMS
function renderSms(item) {
  if (item.dir === 'out') {
    return el(
      'div',
      { class: 'bubble out', 'data-dir': 'out' },
      el('p', {}, item.text),
      el('span', { class: 'meta' }, `${timeLabel(item.at)} · ${statusLabel(item.status)}`),
    );
  }
  return el(
    'div',
    { class: `bubble in${item.kind === 'tip' ? ' tip' : ''}`, 'data-dir': 'in', 'data-kind': item.kind ?? 'reply' },
    item.kind === 'tip' ? el('span', { class: 'badge' }, 'Tip') : null,
    el('p', {}, item.text),
    el('span', { class: 'meta' }, [timeLabel(item.at), describeSegments(item)].filter(Boolean).join(' · ')),
  );
}

function setupSms() {
  $('sms-to').value = settings.smsShortcode;
  const thread = makeThread({ channel: 'sms', phoneInput: 'sms-phone', threadEl: 'sms-thread', render: renderSms });
  thread.reset();
  const text = $('sms-text');
  const counter = () => {
    const info = smsInfo(text.value);
    const over = info.segments > settings.smsMaxSegments ? ' · longer than replies may be' : '';
    $('sms-counter').textContent =
      `${info.chars} chars · ${info.encoding} · ${info.segments} segment${info.segments === 1 ? '' : 's'}${over}`;
  };
  text.addEventListener('input', counter);
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      $('sms-form').requestSubmit();
    }
  });
  $('sms-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    if (!thread.phone) thread.reset();
    const id = newSmsId();
    const now = new Date();
    const entry = { id, text: body, at: now.toISOString(), status: 'sending' };
    thread.sent.push(entry);
    text.value = '';
    counter();
    thread.draw();
    try {
      const res = await fetch(withToken(at('/channels/africastalking/sms')), {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: smsForm({ from: thread.phone, to: $('sms-to').value.trim(), text: body, date: now, id }),
      });
      entry.status = res.ok ? 'ok' : `✗ ${await errorText(res)}`;
    } catch (err) {
      entry.status = `✗ ${String(err)}`;
    }
    thread.draw();
    thread.poll();
  });
  counter();
  return thread;
}

// WhatsApp
async function postWhatsapp(thread, message, context) {
  const payload = whatsappWebhook({
    from: thread.phone,
    name: $('wa-name').value.trim() || 'Simulator',
    phoneNumberId: settings.whatsappPhoneNumberId,
    displayNumber: settings.whatsappDisplayNumber,
    wamid: newWamid(),
    timestamp: Date.now(),
    message,
    context,
  });
  const raw = JSON.stringify(payload);
  const sign = await fetch(at('/simulator/api/sign/whatsapp'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body: raw }),
  });
  if (!sign.ok) return `✗ ${await errorText(sign)}`;
  const { signature } = await sign.json();
  const res = await fetch(at('/channels/whatsapp'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: raw,
  });
  return res.ok ? 'ok' : `✗ ${await errorText(res)}`;
}

async function sendWhatsapp(thread, label, message) {
  if (!thread.phone) thread.reset();
  const entry = { id: newWamid(), text: label, at: new Date().toISOString(), status: 'sending' };
  thread.sent.push(entry);
  thread.draw();
  try {
    entry.status = await postWhatsapp(thread, message);
  } catch (err) {
    entry.status = `✗ ${String(err)}`;
  }
  thread.draw();
  thread.poll();
}

function renderWhatsapp(item, thread) {
  if (item.dir === 'out') {
    return el(
      'div',
      { class: 'bubble out', 'data-dir': 'out' },
      el('p', {}, item.text),
      el('span', { class: 'meta' }, `${timeLabel(item.at)} · ${statusLabel(item.status)}`),
    );
  }
  const parts = [];
  if (item.kind === 'tip') parts.push(el('span', { class: 'badge' }, 'Tip'));
  const tags = { bold: 'strong', italic: 'em', strike: 's', mono: 'code' };
  parts.push(
    el(
      'p',
      {},
      whatsappSegments(item.text).map((seg) => (seg.style ? el(tags[seg.style], {}, seg.text) : seg.text)),
    ),
  );
  parts.push(el('span', { class: 'meta' }, timeLabel(item.at)));
  const bubble = el(
    'div',
    { class: `bubble in${item.kind === 'tip' ? ' tip' : ''}`, 'data-dir': 'in', 'data-kind': item.kind ?? 'reply' },
    parts,
  );
  const wrap = el('div', { class: 'wa-message' }, bubble);
  if (item.buttons?.length) {
    wrap.append(
      el(
        'div',
        { class: 'wa-buttons' },
        item.buttons.map((b) =>
          el(
            'button',
            {
              type: 'button',
              class: 'wa-reply-button',
              'data-id': b.id,
              onclick: () => sendWhatsapp(thread, b.title, { type: 'button_reply', id: b.id, title: b.title }),
            },
            b.title,
          ),
        ),
      ),
    );
  }
  if (item.list?.rows?.length) {
    const open = thread.openLists.has(item.key);
    wrap.append(
      el(
        'button',
        {
          type: 'button',
          class: 'wa-list-open',
          'aria-expanded': String(open),
          onclick: () => {
            if (open) thread.openLists.delete(item.key);
            else thread.openLists.add(item.key);
            thread.draw();
          },
        },
        `☰ ${item.list.button || 'Choose'}`,
      ),
    );
    if (open) {
      wrap.append(
        el(
          'ul',
          { class: 'wa-list', role: 'listbox' },
          item.list.rows.map((r) =>
            el(
              'li',
              {},
              el(
                'button',
                {
                  type: 'button',
                  class: 'wa-list-row',
                  role: 'option',
                  'data-id': r.id,
                  onclick: () => {
                    thread.openLists.delete(item.key);
                    sendWhatsapp(thread, r.title, {
                      type: 'list_reply',
                      id: r.id,
                      title: r.title,
                      description: r.description,
                    });
                  },
                },
                el('strong', {}, r.title),
                r.description ? el('small', {}, r.description) : null,
              ),
            ),
          ),
        ),
      );
    }
  }
  return wrap;
}

function setupWhatsapp() {
  const thread = makeThread({
    channel: 'whatsapp',
    phoneInput: 'wa-phone',
    threadEl: 'wa-thread',
    render: renderWhatsapp,
  });
  thread.reset();
  if (!settings.whatsappSigning) {
    const n = $('wa-notice');
    n.hidden = false;
    n.textContent =
      'WHATSAPP_APP_SECRET is not set, so the gateway rejects every WhatsApp webhook. Set it (any value) and restart.';
  }
  const text = $('wa-text');
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      $('wa-form').requestSubmit();
    }
  });
  $('wa-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    text.value = '';
    sendWhatsapp(thread, body, { type: 'text', text: body });
  });
  return thread;
}

// ---------------------------------------------------------------- start
async function start() {
  try {
    const res = await fetch(at('/simulator/api/settings'));
    if (res.ok) settings = { ...settings, ...(await res.json()) };
    setStatus('Connected');
  } catch {
    setStatus('Gateway unreachable: is it running?');
  }
  setupTabs();
  setupUssd();
  const threads = [setupSms(), setupWhatsapp()];
  const poll = async () => {
    if (!document.hidden) await Promise.all(threads.map((t) => t.poll()));
    setTimeout(poll, POLL_MS);
  };
  poll();
  document.body.dataset.ready = 'true';
}

start();

/**
 * The USSD session behind any USSD channel: the menu machine's state per session, resume after a dropped session,
 * the question's trip through the inbound queue raced against the deadline, and who delivers a late answer.
 */
import type { InboundMessage } from '../../core/messages/index.js';
import type { UssdDialogue, UssdHop, UssdScreen } from '../../core/ussd.js';
import type { AppContext } from '../../platform/context.js';
import { uiLanguage } from '../../platform/i18n/index.js';
import { acceptInbound } from '../../platform/inbound.js';
import { getJson, setJson } from '../../platform/store/index.js';
import { chooseLanguage, loadProfile, updateProfile } from '../../platform/subscribers.js';
import { checkRateLimit } from '../messaging/index.js';
import { choiceHop, showChoices } from './choices.js';
import { claimDelivery, readAnswer, type StoredUssdAnswer } from './delivery.js';
import { sendFullAnswer } from './full-answer.js';
import {
  answerScreen,
  continueUssd,
  renderScreen,
  startUssd,
  type UssdDeps,
  type UssdMenus,
  type UssdState,
  type UssdStep,
} from './machine.js';

const USSD_SESSION_TTL_MS = 180_000;
/** A dropped session can be resumed this long after its last hop. */
const USSD_RESUME_WINDOW_MS = 5 * 60_000;

interface LastSession {
  sessionId: string;
  state: UssdState;
}

/** A session is found only with the number that started it: another number sending its id starts afresh. */
const sessionKey = (phone: string, id: string) => `ussd:session:${phone}:${id}`;
const lastKey = (phone: string) => `ussd:last:${phone}`;

/** Time kept back from the deadline for the claim, rendering and the network. */
function safetyMarginMs(deadlineMs: number): number {
  return Math.max(50, Math.min(500, Math.round(deadlineMs * 0.08)));
}

export function createUssdDialogue(ctx: AppContext, menus: UssdMenus): UssdDialogue {
  const deps = (): UssdDeps => ({
    catalogue: ctx.answerer.catalogue,
    menus,
    maxChars: ctx.config.ussd.maxChars,
    t: (lang, key, vars) => ctx.i18n.t(lang, key, vars),
  });

  async function endSession(phone: string, sessionId: string): Promise<void> {
    await ctx.store.del(sessionKey(phone, sessionId));
    await ctx.store.del(lastKey(phone));
  }

  async function hop({
    provider,
    sessionId,
    phone,
    serviceCode,
    text,
    arrivedAt: arrived,
  }: UssdHop): Promise<UssdScreen> {
    const deadline = ctx.config.ussd.deadlineMs;
    // Whatever happens inside (Redis stalls, a slow answer), the handset gets a screen before the deadline.
    let hopKind = 'menu';
    let lang = 'en';
    const work = (async (): Promise<UssdScreen> => {
      const d = deps();
      const existing = await getJson<UssdState>(ctx.store, sessionKey(phone, sessionId));
      let step: UssdStep;
      if (existing) {
        lang = existing.lang;
        step =
          (await choiceHop(ctx, d, phone, `${provider}:ussd:${sessionId}:${existing.hops + 1}`, existing, text)) ??
          continueUssd(existing, text, d);
      } else {
        const profile = await loadProfile(ctx.store, phone);
        lang = uiLanguage(profile.lang);
        const last = await getJson<LastSession>(ctx.store, lastKey(phone));
        if (text === '' && last && last.sessionId !== sessionId && last.state.screen.kind !== 'main') {
          const screen = { kind: 'resume', saved: last.state.screen } as const;
          const state: UssdState = { sessionId, lang: last.state.lang, screen, lastText: '', hops: 0 };
          step = { state, text: renderScreen(screen, state.lang, d), end: false, effect: undefined };
        } else {
          step = startUssd(sessionId, lang, text, d);
        }
      }
      if (step.effect?.kind === 'set-language') {
        const chosen = step.effect.lang;
        await updateProfile(ctx.store, phone, (p) => chooseLanguage(p, chosen));
      }
      if (step.effect?.kind === 'full-answer') await sendFullAnswer(ctx, phone, provider, step.effect.ref);

      if (step.effect?.kind === 'question') {
        hopKind = 'question';
        // The saved language, if any: the answerer follows the question's own language when it is clear, else
        // this, else the pack's default; never a menu default the user did not choose.
        const saved = (await loadProfile(ctx.store, phone)).lang;
        const remaining = () => deadline - (performance.now() - arrived) - safetyMarginMs(deadline);
        const msg: InboundMessage = {
          id: `${provider}:ussd:${sessionId}:${step.state.hops}`,
          channel: 'ussd',
          provider,
          from: phone,
          to: serviceCode,
          text: step.effect.text,
          providerMessageId: `ussd:${sessionId}:${step.state.hops}`,
          receivedAt: new Date(ctx.now()).toISOString(),
          ussdSessionId: sessionId,
          ...(saved ? { localeHint: saved } : {}),
        };
        // The per-subscriber question limit SMS and WhatsApp share (finding 1, issue 14).
        if ((await checkRateLimit(ctx, phone)) !== 'ok') {
          ctx.metrics.rejected.inc({ route: 'messaging:ussd', reason: 'subscriber-rate-limit' });
          await endSession(phone, sessionId);
          return { text: d.t(step.state.lang, 'ussd:limited'), end: true };
        }
        await acceptInbound(ctx, msg);
        const outcome = await ctx.queues
          .queue<InboundMessage, StoredUssdAnswer>('inbound')
          .waitForResult(msg.id, remaining());
        let answer: StoredUssdAnswer | undefined;
        if (outcome.status === 'completed' && outcome.value?.text) answer = outcome.value;
        else if (outcome.status === 'timeout') {
          if (await claimDelivery(ctx.store, msg.id, 'sms')) {
            ctx.metrics.deadlineFallbacks.inc();
            await endSession(phone, sessionId);
            return { text: d.t(step.state.lang, 'ussd:bySms'), end: true };
          }
          answer = await readAnswer(ctx.store, msg.id);
        }
        const answerText = answer?.text;
        if (!answer || !answerText) {
          await endSession(phone, sessionId);
          return { text: d.t(step.state.lang, 'ussd:failed'), end: true };
        }
        // One language per screen: the answer's, navigation included; without a saved choice the menus
        // that follow speak it too.
        const screenLang = uiLanguage(answer.lang);
        const sms = answer.full ? { ...answer.full, job: msg.id, lang: screenLang } : undefined;
        const screen = answerScreen(answerText, { kind: 'main' }, screenLang, d, sms);
        step = {
          ...step,
          state: { ...step.state, ...(saved ? {} : { lang: screenLang }), screen },
          text: screen.kind === 'answer' ? (screen.pages[0] ?? '') : '',
        };
        // Choices: a "Did you mean" screen whose pick resolves on any gateway (src/dialogue/ussd/choices.ts).
        if (answer.choices?.length) step = await showChoices(ctx, d, phone, provider, msg.text, answer, step.state);
      }

      if (step.end) {
        await endSession(phone, sessionId);
      } else {
        const state = { ...step.state, lastText: text };
        await setJson(ctx.store, sessionKey(phone, sessionId), state, { ttlMs: USSD_SESSION_TTL_MS });
        await setJson(ctx.store, lastKey(phone), { sessionId, state } satisfies LastSession, {
          ttlMs: USSD_RESUME_WINDOW_MS,
        });
      }
      return { text: step.text, end: step.end };
    })();

    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<UssdScreen>((resolve) => {
      timer = setTimeout(
        () => resolve({ text: ctx.i18n.t(lang, 'ussd:busy'), end: true }),
        // Half the safety margin: a busy machine fires timers late, and the screen must still beat the deadline.
        Math.max(0, deadline - (performance.now() - arrived) - Math.max(20, Math.round(safetyMarginMs(deadline) / 2))),
      );
    });
    let screen: UssdScreen;
    try {
      screen = await Promise.race([work, guard]);
    } catch (err) {
      ctx.log.warn({ err, session: ctx.pseudonym(sessionId) }, 'USSD hop failed; answering busy');
      screen = { text: ctx.i18n.t(lang, 'ussd:busy'), end: true };
    } finally {
      clearTimeout(timer);
    }
    work.catch(() => {
      /* already answered busy */
    });
    ctx.metrics.ussdResponseSeconds.observe({ hop: hopKind }, (performance.now() - arrived) / 1000);
    return screen;
  }

  return { hop };
}

import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { InvalidPhoneNumberError, normaliseSubscriber } from '../../src/core/messages/index.js';
import type { UssdDialogue } from '../../src/core/ussd.js';
import type { AppContext } from '../../src/platform/context.js';
import { BadRequestError } from '../shared/errors.js';
import { optionalField, requiredField } from '../shared/form-fields.js';
import { arrivedAt } from '../shared/http.js';

export const AT_USSD_ROUTE = '/channels/africastalking/ussd';
export const MAX_USSD_TEXT = 1000;

export const ussdBody = z.object({
  sessionId: requiredField('sessionId', 128),
  serviceCode: optionalField('serviceCode', 64).default(''),
  phoneNumber: requiredField('phoneNumber', 32),
  networkCode: optionalField('networkCode', 16),
  text: optionalField('text', MAX_USSD_TEXT).default(''),
});

function respond(res: Response, text: string, end: boolean): void {
  res.type('text/plain; charset=utf-8').send(`${end ? 'END' : 'CON'} ${text}`);
}

/**
 * The USSD callback (after the guard and the form check): parses Africa's Talking's form into a hop, lets the
 * dialogue decide the screen, and writes it as `CON`/`END`.
 */
export function ussdHandler(ctx: AppContext, dialogue: UssdDialogue): RequestHandler {
  return async function africasTalkingUssd(req, res) {
    // The deadline runs from the request's arrival, not from the handler: middleware before it spends the same budget.
    const arrived = arrivedAt(req);
    const parsed = ussdBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new BadRequestError(parsed.error.issues[0]!.message, { route: AT_USSD_ROUTE, reason: 'body' });
    }
    let phone: string;
    try {
      phone = normaliseSubscriber(parsed.data.phoneNumber, ctx.config.defaultCountry);
    } catch (err) {
      if (!(err instanceof InvalidPhoneNumberError)) throw err;
      throw new BadRequestError("field 'phoneNumber' is not a valid phone number");
    }
    const { sessionId, text, serviceCode } = parsed.data;
    const screen = await dialogue.hop({
      provider: 'africastalking',
      sessionId,
      phone,
      serviceCode,
      text,
      arrivedAt: arrived,
    });
    respond(res, screen.text, screen.end);
  };
}

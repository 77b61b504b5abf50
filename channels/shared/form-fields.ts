import { z } from 'zod';

/** Zod pieces for provider form bodies whose errors name the field, as a 400 body should. */
export const fieldMessages = (name: string) => ({
  required_error: `field '${name}' is required`,
  invalid_type_error: `field '${name}' must be text`,
});

/** A non-empty (after trimming) text field of at most `max` characters. */
export const requiredField = (name: string, max: number) =>
  z
    .string(fieldMessages(name))
    .trim()
    .min(1, `field '${name}' is required`)
    .max(max, `field '${name}' is longer than ${max} characters`);

/** An optional text field of at most `max` characters. */
export const optionalField = (name: string, max: number) =>
  z.string(fieldMessages(name)).max(max, `field '${name}' is longer than ${max} characters`).optional();

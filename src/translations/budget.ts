import { encodedLength, encodingOf, type Encoding } from '../text/gsm7';
import { smsSize } from '../text/segments';

/**
 * The room one string has, by where it is shown: a text of the SMS namespaces (keyword
 * replies, notifications) is sent as SMS and may take at most two parts, leaving a part's room
 * for the values filled in; every other text is drawn on a USSD screen and must fit one page
 * (182 GSM-7 septets, or 80 UCS-2 units: one character outside GSM-7 halves it). Placeholders
 * are left out: their values are counted where the whole screen is (test/dialogs/screens-fit).
 */
export const USSD_PAGE = { gsm7: 182, ucs2: 80 } as const;
export const SMS_PARTS_ALLOWED = 2;
const SMS_NAMESPACES = new Set(['sms', 'notifications']);

export interface Budget {
  kind: 'ussd' | 'sms';
  /** A sentence for the translator: "one USSD page: 80 characters in UCS-2". */
  describe: string;
}

/** Text as it is counted: placeholders out. */
export const counted = (text: string) => text.replace(/{{[^}]*}}/g, '');

/** The budget of a `namespace:key` for a text going out in `encoding`. */
export function budgetOf(key: string, encoding: Encoding): Budget {
  const name = encoding === 'gsm7' ? 'GSM-7' : 'UCS-2';
  if (SMS_NAMESPACES.has(key.slice(0, key.indexOf(':')))) {
    return { kind: 'sms', describe: `at most ${SMS_PARTS_ALLOWED} SMS parts (${name}: ${encoding === 'gsm7' ? '160, or 153 a part' : '70, or 67 a part'} characters), placeholders not counted` };
  }
  return { kind: 'ussd', describe: `one USSD page: ${USSD_PAGE[encoding]} characters in ${name}, placeholders not counted` };
}

/** Why `text` does not fit the budget of `key`, or undefined when it fits. */
export function overBudget(key: string, text: string): string | undefined {
  const body = counted(text);
  const budget = budgetOf(key, encodingOf(body));
  if (budget.kind === 'sms') {
    const size = smsSize(body);
    return size.segments > SMS_PARTS_ALLOWED ? `takes ${size.segments} SMS parts (${size.units} characters); the budget is ${budget.describe}` : undefined;
  }
  const length = encodedLength(body);
  return length > USSD_PAGE[encodingOf(body)] ? `is ${length} characters; the budget is ${budget.describe}` : undefined;
}

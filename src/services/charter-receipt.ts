import type { i18n } from 'i18next';
import { translate } from '../i18n';
import type { Outbox } from '../outbox/outbox';
import type { Queryable } from '../store/sql';
import type { UnsolicitedSmsBudget } from './unsolicited-sms';
import { shortTime } from '../text/dates';
import type { LocalizedText } from './catalog-schema';
import { pick } from './localized';
import { preferredAddress } from './reachability';
import { formatReference } from './reference';
import type { FiledRequest } from './requests';

/**
 * The acknowledgement receipt RA 11032 §8 owes every applicant: the reference, the service, the
 * receiving office and the responsible officer or unit (the Charter's), the date and time of
 * receipt and the due date. It is pushed like a status update (same outbox, same "channel used
 * last" rule, kind `status`, with the VERIFY line) inside the filing's transaction, for every
 * channel: a USSD filing's reference never lives only on a screen that disappears. A receipt to
 * a phone is an SMS we pay for to a number a USSD gateway may only claim, so it is taken from the
 * unsolicited-SMS budget (services/unsolicited-sms.ts) like every such SMS: a citizen filing a
 * few requests a day always gets them; a pumping run past the budget gets none (the request
 * stands, its reference on the screen and by STATUS).
 */
export interface ReceiptDeps {
  outbox: Outbox;
  i18n: i18n;
  defaultLocale: string;
  timeZone: string;
  sendingChannels: () => readonly string[];
  unsolicitedSms: Pick<UnsolicitedSmsBudget, 'take'>;
}

/** The filing hook (RequestServiceOptions.filed) that queues the receipt. */
export function receiptSender(deps: ReceiptDeps): (tx: Queryable, filed: FiledRequest) => Promise<void> {
  return async (tx, filed) => {
    const reach = await preferredAddress(tx, filed.citizenId, deps.sendingChannels());
    if (!reach) return;
    if (reach.channel === 'sms' && !(await deps.unsolicitedSms.take({ address: reach.address, cause: { kind: 'charter-receipt', source: `filing:${filed.channel}` }, within: tx })).allowed) return;
    const [row] = await tx.query<{ name: LocalizedText; office: LocalizedText; unit: LocalizedText | null; locale: string | null; person: string | null }>(
      `SELECT s.name, s.office, s.charter->'responsible' AS unit, c.locale, p.name AS person
         FROM requests r JOIN services s ON s.code = r.service_code JOIN citizens c ON c.id = r.citizen_id
         LEFT JOIN profiles p ON p.id = r.profile_id WHERE r.id = $1`,
      [filed.id],
    );
    const locale = row.locale ?? deps.defaultLocale;
    const body = receiptText(deps, locale, { ...filed, service: row.name, office: row.office, unit: row.unit, person: row.person });
    await deps.outbox.enqueue({ address: reach.address, channel: reach.channel, body, kind: 'status', citizenId: filed.citizenId, requestId: filed.id, locale }, tx);
  };
}

/** The receipt's text in `locale`. */
export function receiptText(
  deps: { i18n: i18n; timeZone: string },
  locale: string,
  receipt: { reference: string; service: LocalizedText; office: LocalizedText; unit: LocalizedText | null; person: string | null; receivedAt: Date; dueAt: Date },
): string {
  const params = {
    // A request for a person sharing the phone (a family profile) names them, as status updates do.
    reference: receipt.person === null ? formatReference(receipt.reference) : translate(deps.i18n, locale, { key: 'charter:notify.for', params: { reference: formatReference(receipt.reference), person: receipt.person } }),
    service: pick(receipt.service, locale),
    office: pick(receipt.office, locale),
    received: shortTime(receipt.receivedAt, locale, deps.timeZone),
    due: shortTime(receipt.dueAt, locale, deps.timeZone),
  };
  return receipt.unit
    ? translate(deps.i18n, locale, { key: 'charter:notify.receipt_unit', params: { ...params, unit: pick(receipt.unit, locale) } })
    : translate(deps.i18n, locale, { key: 'charter:notify.receipt', params });
}

import type { ServiceDetail } from '../services/catalog';
import { pick } from '../services/localized';
import { choiceScreen, text, type Screen, type Text } from './screen';

/**
 * A service's Citizen's Charter as a citizen reads it (USSD "Citizen's Charter" under a service,
 * SMS CHARTER <word>, Telegram): its processing time by classification, the steps with their
 * duration and responsible unit, the fee, who is responsible, and how to complain. One short
 * paragraph each, so a USSD page break falls between them.
 */
export function charterScreen(service: ServiceDetail, locale: string): Screen {
  const charter = service.charter;
  if (!charter) return choiceScreen([text('common.item', { name: pick(service.name, locale) }), text('charter:screen.none')], []);
  const body: Text[] = [
    text('charter:screen.title', { service: pick(service.name, locale) }),
    text(`charter:screen.${charter.classification}`, { days: charter.workingDays }),
    ...charter.steps.map((step, index) =>
      text('charter:screen.step', { n: index + 1, step: pick(step.step, locale), duration: pick(step.duration, locale), unit: pick(step.unit, locale) }),
    ),
    service.feePhp > 0 ? text('browse.fee', { amount: formatPeso(service.feePhp) }) : text('browse.free'),
    ...(charter.responsible ? [text('charter:screen.responsible', { unit: pick(charter.responsible, locale) })] : []),
    text('charter:screen.complaint', { how: pick(charter.complaint, locale) }),
  ];
  return choiceScreen(body, []);
}

/** Pesos without needless decimals: 50, 75.50. */
export function formatPeso(amount: number): string {
  return Number.isInteger(amount) ? String(amount) : amount.toFixed(2);
}

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Citizens are found by address: `tel:+639171234567` (E.164) or `telegram:<chat id>`.
 * Gateways send numbers in every form (`639171234567`, `09171234567`, `+63 917 123 4567`);
 * libphonenumber normalises them so one phone is one citizen.
 */
export type Address = `tel:${string}` | `telegram:${string}` | `sim:${string}`;

/** The channel family an address belongs to. */
export function addressKind(address: string): 'tel' | 'telegram' | 'sim' | undefined {
  const kind = address.split(':', 1)[0];
  return kind === 'tel' || kind === 'telegram' || kind === 'sim' ? kind : undefined;
}

/**
 * Numbers already normalised: every USSD hop of a session carries the same number, and
 * libphonenumber's parse is a visible share of a hop's CPU (bench/RESULTS.md). Bounded:
 * emptied when full.
 */
const normalised = new Map<string, Address | undefined>();
const NORMALISED_LIMIT = 50_000;

/**
 * Normalises a phone number to a `tel:` address, or returns undefined when it is not a valid
 * number. Numbers without a country code are read as Philippine (`defaultCountry`).
 */
export function phoneAddress(raw: string, defaultCountry: CountryCode = 'PH'): Address | undefined {
  const id = `${defaultCountry}:${raw}`;
  if (normalised.has(id)) return normalised.get(id);
  const trimmed = raw.trim();
  const candidate = /^\d{11,15}$/.test(trimmed) && !trimmed.startsWith('0') ? `+${trimmed}` : trimmed;
  const phone = parsePhoneNumberFromString(candidate, defaultCountry);
  const address: Address | undefined = phone && phone.isPossible() ? `tel:${phone.number}` : undefined;
  if (normalised.size >= NORMALISED_LIMIT) normalised.clear();
  normalised.set(id, address);
  return address;
}

/** The E.164 number of a `tel:` address, e.g. `+639171234567`. */
export function phoneNumberOf(address: string): string | undefined {
  return address.startsWith('tel:') ? address.slice(4) : undefined;
}

/** True when the address is a phone in one of the allowed country calling codes. */
export function isAllowedCountry(address: string, allowedCallingCodes: string[]): boolean {
  const number = phoneNumberOf(address);
  if (!number) return true;
  const phone = parsePhoneNumberFromString(number);
  return phone !== undefined && allowedCallingCodes.includes(phone.countryCallingCode);
}

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Citizens are found by address: `tel:+639171234567` (E.164) or `telegram:<chat id>`.
 * Gateways send numbers in every form (`639171234567`, `09171234567`, `+63 917 123 4567`);
 * libphonenumber normalises them so one phone is one citizen.
 */
export type Address = `tel:${string}` | `telegram:${string}` | `sim:${string}` | `masked:${string}`;

/** The channel family an address belongs to. */
export function addressKind(address: string): 'tel' | 'telegram' | 'sim' | 'masked' | undefined {
  const kind = address.split(':', 1)[0];
  return kind === 'tel' || kind === 'telegram' || kind === 'sim' || kind === 'masked' ? kind : undefined;
}

/** A gateway's name in a masked address, and the hash it gave (no `:`, so the address splits one way). */
const MASKED_GATEWAY = /^[a-z0-9-]{1,40}$/;
const MASKED_HASH = /^[A-Za-z0-9_=+/.-]{6,128}$/;

/**
 * A subscriber whose gateway hides the number and sends a hash instead (hSenid TAP's number
 * masking on bdapps and Applink: `tel:` and a hash): `masked:<gateway>:<hash>`, or undefined
 * when either part is not of that form. A citizen of its own: it is not a phone, so nothing is
 * ever texted to it (finishing by SMS and phone proofs take `tel:` only), it is never merged
 * with a number (none is known), and it passes the allowed-countries rule (it has no country).
 */
export function maskedAddress(gateway: string, hash: string): Address | undefined {
  return MASKED_GATEWAY.test(gateway) && MASKED_HASH.test(hash) ? `masked:${gateway}:${hash}` : undefined;
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

/** A phone number with its middle hidden, as officers see it: +63917•••4567. */
export function maskPhone(address: string): string {
  const number = address.replace(/^tel:/, '');
  return number.length <= 8 ? number : `${number.slice(0, 6)}•••${number.slice(-4)}`;
}

/** True when the address is a phone in one of the allowed country calling codes. */
export function isAllowedCountry(address: string, allowedCallingCodes: string[]): boolean {
  const number = phoneNumberOf(address);
  if (!number) return true;
  const phone = parsePhoneNumberFromString(number);
  return phone !== undefined && allowedCallingCodes.includes(phone.countryCallingCode);
}

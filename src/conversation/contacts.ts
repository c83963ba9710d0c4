import { phoneAddress } from '../address';
import type { CitizenService } from '../services/citizens';
import { hasPhone, linkPhone, type LinkOutcome } from '../services/linking';
import type { ConsentEvidence } from '../services/consents';
import type { OptOutService } from '../services/optout';
import { isUnreachable, markReachable, markUnreachable } from '../services/reachability';
import type { Logger } from '../log';
import type { EphemeralStore } from '../store/ephemeral';
import type { Database } from '../store/sql';

/** How many opt-outs providers may report in an hour before they are taken for an outage (CARRIER_OPT_OUTS_PER_HOUR). */
export interface CarrierOptOutLimit {
  store: EphemeralStore;
  perHour: number;
  log: Logger;
}

/** Who wrote, as the conversation knows them after recording the contact. */
export interface Contact {
  address: string;
  citizenId: number;
  /** The language they chose, or null while they have not. */
  locale: string | null;
}

/**
 * Contact bookkeeping for every channel, in one place: who wrote (a citizen made on first
 * contact, and whatever made the address unreachable cleared), what a provider reports about an
 * address (a blocked bot, a number unsubscribed at the carrier), opting out and back in, and a
 * chat linked to its phone.
 */
export class Contacts {
  constructor(
    private readonly db: Database,
    private readonly citizens: CitizenService,
    private readonly optOuts: OptOutService,
    private readonly carrier: CarrierOptOutLimit,
  ) {}

  /** Someone wrote from `address` on `channel`: they are a citizen from now on, and reachable there. */
  async wrote(address: string, channel: string): Promise<Contact> {
    const citizen = await this.citizens.findOrCreate(address, channel);
    await markReachable(this.db, address);
    return { address, citizenId: citizen.id, locale: citizen.locale };
  }

  /** The citizen at `address` speaks `locale` from now on (made a citizen if they were not). */
  async setLanguage(address: string, channel: string, locale: string): Promise<void> {
    const citizen = await this.citizens.findOrCreate(address, channel);
    await this.citizens.setLocale(citizen.id, locale);
  }

  /** The provider refused the address (the bot blocked, a send refused): nothing goes there until they write again. */
  async unreachable(address: string): Promise<void> {
    await markUnreachable(this.db, address);
  }

  /** The provider says the address can be reached again (the bot unblocked). */
  async reachable(address: string): Promise<void> {
    await markReachable(this.db, address);
  }

  isUnreachable(address: string): Promise<boolean> {
    return isUnreachable(this.db, address);
  }

  /**
   * The carrier says the number unsubscribed (Twilio 21610): out of announcements; true when
   * that changed anything. Past CARRIER_OPT_OUTS_PER_HOUR such reports in an hour (shared by
   * every instance), the provider is more likely failing than a region unsubscribing at once:
   * nobody more is opted out, and each report is logged as an alert for the operator instead.
   */
  async unsubscribedAtCarrier(rawNumber: string): Promise<boolean> {
    const address = phoneAddress(rawNumber);
    if (address === undefined) return false;
    const hour = Math.floor(Date.now() / 3_600_000);
    const count = await this.carrier.store.increment(`carrier-opt-outs:${hour}`, 3600);
    if (count > this.carrier.perHour) {
      this.carrier.log.error({ count, perHour: this.carrier.perHour }, 'carrier opt-outs past CARRIER_OPT_OUTS_PER_HOUR this hour: not applied (a provider failing?); check the provider before opting anyone out');
      return false;
    }
    return this.optOuts.optOutAddress(address);
  }

  /** Out of every announcement; true when they were in until now. `evidence`: the channel and the reply they got (the consent record). */
  optOut(citizenId: number, evidence: ConsentEvidence): Promise<boolean> {
    return this.optOuts.optOut(citizenId, evidence);
  }

  /** Back in; true when they were out until now. */
  optIn(citizenId: number, evidence: ConsentEvidence): Promise<boolean> {
    return this.optOuts.optIn(citizenId, evidence);
  }

  /** Links a chat to the phone number it shared as its own; 'invalid' when that is not a phone number. */
  async linkPhone(chatAddress: string, rawNumber: string): Promise<LinkOutcome | 'invalid'> {
    const phone = phoneAddress(rawNumber);
    return phone ? linkPhone(this.db, chatAddress, phone) : 'invalid';
  }

  hasPhone(address: string): Promise<boolean> {
    return hasPhone(this.db, address);
  }
}

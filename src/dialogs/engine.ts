import { createActor, waitFor, type AnyActorRef, type Snapshot } from 'xstate';
import type { i18n } from 'i18next';
import type { CitizenService } from '../services/citizens';
import type { EphemeralStore } from '../store/ephemeral';
import { resolveScreen } from '../i18n';
import { NO_CITIZEN, type Dialog, type DialogInput, type DialogName, type DialogOutput, type ScreenServices } from './dialog';
import { AddressLock } from './address-lock';
import { Gate } from './gate';
import { interpret, type View } from './input';
import { text, type ResolvedScreen, type Screen, type Text } from './screen';

/** A message from a citizen, as a channel adapter parsed it. Channel-free from here on. */
export interface Inbound {
  /** The channel's name, recorded with the citizen's address (`ussd`, `sms`, `telegram`). */
  channel: string;
  /** `tel:+63…`, `telegram:…`. */
  address: string;
  /** The newest input only (for USSD, the last part of the `*`-joined history). */
  text: string;
  /**
   * The network session (a USSD dial) this hop belongs to, when the channel has one. A hop
   * with a session id not seen before starts a new conversation.
   */
  session?: string;
  /**
   * Identifies this exact hop, so a gateway's retry of it is answered with the same screen
   * without advancing the dialog twice (USSD: session id and full text).
   */
  hopKey?: string;
  /**
   * For channels without network sessions (SMS): a conversation idle longer than this many
   * seconds starts afresh at the main menu.
   */
  idleTimeout?: number;
  /** Starts this dialog whatever the saved state (a keyword such as MENU, HELP or STATUS <ref>). */
  start?: { dialog: DialogName; params?: Record<string, string> };
  /**
   * The channel itself authenticates `address`: the mobile network an SMS's sender, Telegram a
   * chat. Absent (USSD, whose gateway only says who calls): acts that cannot be undone need
   * a code sent to the phone first (src/dialogs/proof.ts).
   */
  proven?: boolean;
  /**
   * The channel's guess at the citizen's language (Telegram's `language_code`), used until the
   * citizen chooses one.
   */
  localeHint?: string;
  /**
   * The languages this channel can present (a voice line: those it can speak), when not all: a
   * screen in any other is drawn in the first of them instead.
   */
  locales?: readonly string[];
  /**
   * The gateway and mobile network the message came through (`africastalking:51502`), for the
   * guessing limits a caller cannot dodge by changing numbers.
   */
  network?: string;
  /**
   * For channels with network sessions: a hop of a session idle longer than `idleSeconds`, or
   * older than `totalSeconds`, starts over as a new session would (a form is offered back).
   */
  sessionLimits?: { idleSeconds: number; totalSeconds: number };
}

/**
 * How a channel lays a resolved screen out in pages of its own size. A pure function: the
 * engine hands the page it picked back in the reply, so the channel never needs to remember
 * what it laid out.
 */
export interface Paginator<P extends { text: string } = { text: string }> {
  (screen: ResolvedScreen): P[];
}

/**
 * The reply to one turn: the page to send, and the screen and its pages for channels that draw
 * buttons or finish long screens otherwise (both absent when a retried hop is answered from what
 * was sent before).
 */
export interface Reply<P extends { text: string } = { text: string }> {
  text: string;
  final: boolean;
  screen?: ResolvedScreen;
  /** The page shown, as the channel's paginator laid it out, and how many there were. */
  page?: P;
  pageCount?: number;
}

/** Any dialog, whatever its context type. */
type AnyDialog = Dialog<never>;

/** What is remembered between hops, per address, in the ephemeral store. */
interface SessionRecord {
  dialog: DialogName;
  version: number;
  snapshot: Snapshot<unknown>;
  /** The screen shown; its option values only when they are few (see VALUES_KEPT_BYTES). */
  view: Omit<View, 'values'> & { values?: string[] };
  /** The last screen ended the session: the next input starts afresh. */
  final: boolean;
  session?: string;
  hopKey?: string;
  reply?: { text: string; final: boolean };
  /** Who is talking, as found at the start of the session. */
  citizen?: { id: number; locale: string | null };
  /** When the last input arrived (ms since the epoch), for idle time-outs. */
  at: number;
  /** When this network session's first hop arrived (ms since the epoch), for its total limit. */
  started?: number;
  /** A form put aside when a dial dropped, offered back by the resume dialog. */
  suspended?: { dialog: DialogName; version: number; snapshot: Snapshot<unknown> };
}

export interface EngineOptions {
  dialogs: Record<DialogName, AnyDialog>;
  services: ScreenServices;
  citizens: CitizenService;
  store: EphemeralStore;
  i18n: i18n;
  defaultLocale: string;
  /** Seconds a dialog is remembered after the last input; also the resumption window. */
  sessionTtl: number;
  /** Today's date, injected so tests never depend on the wall clock. */
  now?: () => Date;
  /**
   * What a fresh conversation opens with instead of the menu when something waits for the
   * citizen's answer (a request filed for them at a service centre); undefined: the menu.
   */
  opening?: (citizenId: number) => Promise<{ dialog: DialogName; params?: Record<string, string> } | undefined>;
  /** Turns run at once in this process; more wait in order (see gate.ts). Default 64. */
  concurrentTurns?: number;
}

/** A dialog actor with the state it is in, running for the length of one turn. */
interface Running {
  dialog: AnyDialog;
  actor: AnyActorRef;
}

const MAX_DIALOG_HOPS = 5;

/** A caller nothing is kept about (yet). */
const ANONYMOUS = { id: NO_CITIZEN, locale: null };

/**
 * The conversation engine: one turn per inbound message. A turn loads the citizen and their
 * saved dialog, turns the input into an event (or a page turn, or a polite hint), restores the
 * machine from its snapshot, sends the event, waits for any effect to settle, draws the screen,
 * saves the new snapshot with a time-to-live, and stops the actor. Nothing stays in memory
 * between turns, so any instance can serve any hop.
 */
export class DialogEngine {
  private readonly now: () => Date;
  private readonly gate: Gate;
  private readonly lock: AddressLock;

  constructor(private readonly options: EngineOptions) {
    this.now = options.now ?? (() => new Date());
    this.gate = new Gate(options.concurrentTurns ?? 64);
    // Held longer than a turn may run (its effects time out at 15 s); a gateway's retry waits
    // for the attempt before it at most as long as the gateway itself would.
    this.lock = new AddressLock(options.store, { holdSeconds: 20, waitMs: 5_000 });
  }

  /** One turn: after any other turn of the same address (address-lock.ts), when one of the gate's places is free. */
  turn<P extends { text: string }>(inbound: Inbound, paginate: Paginator<P>): Promise<Reply<P>> {
    return this.lock.run(inbound.address, () => this.gate.run(() => this.take(inbound, paginate)));
  }

  private async take<P extends { text: string }>(inbound: Inbound, paginate: Paginator<P>): Promise<Reply<P>> {
    const { citizens, store, defaultLocale } = this.options;
    const key = `dialog:${inbound.address}`;
    const saved = parseRecord(await store.get(key));

    // A gateway retrying a hop it already sent: same screen, no second step.
    if (saved?.reply && inbound.hopKey && saved.hopKey === inbound.hopKey) return saved.reply;

    const now = this.now().getTime();
    const idle = saved !== undefined && inbound.idleTimeout !== undefined && now - (saved.at ?? 0) > inbound.idleTimeout * 1000;
    const limits = inbound.sessionLimits;
    const outlived =
      saved !== undefined && limits !== undefined && (now - saved.at > limits.idleSeconds * 1000 || now - (saved.started ?? saved.at) > limits.totalSeconds * 1000);
    const newSession = idle || outlived || (inbound.session !== undefined && inbound.session !== saved?.session);
    // Within a session the citizen is remembered with the dialog; the records store is asked
    // (and the contact recorded) once per session, not on every hop. A caller who is not a
    // citizen stays NO_CITIZEN until an effect keeps something of theirs (and creates them).
    let citizen = !newSession && !inbound.start && saved?.citizen ? saved.citizen : ((await citizens.find(inbound.address, inbound.channel)) ?? ANONYMOUS);
    const presentable = (wanted: string) => (inbound.locales && !inbound.locales.includes(wanted) ? (inbound.locales[0] ?? wanted) : wanted);
    let locale = presentable(citizen.locale ?? inbound.localeHint ?? defaultLocale);
    let chosenLocale: string | undefined;

    let running: Running;
    let page = 0;
    let hint: Text | undefined;
    let suspended = saved?.suspended;
    let offer: Record<string, string> | undefined;
    const input = (params: Record<string, string> = {}): DialogInput => ({
      citizenId: citizen.id,
      channel: inbound.channel,
      address: inbound.address,
      locale,
      proven: inbound.proven === true,
      network: inbound.network,
      params,
    });
    const start = (name: DialogName, params?: Record<string, string>) => this.start(name, input(params));

    const current = saved && this.restorable(saved) ? saved : undefined;
    if (inbound.start) {
      running = await start(inbound.start.dialog, inbound.start.params);
    } else if (current && newSession && (offer = this.offerBack(current))) {
      suspended = { dialog: current.dialog, version: current.version, snapshot: current.snapshot };
      running = await start('resume', offer);
    } else if (!current || current.final || newSession) {
      const opening = citizen.id === NO_CITIZEN ? undefined : await this.options.opening?.(citizen.id);
      running = opening ? await start(opening.dialog, opening.params) : await start(citizen.locale ? 'menu' : 'language');
      if (saved && !current && !newSession) hint = text('engine.restarted');
    } else {
      running = this.restore(current);
      const values = current.view.values ?? (await this.valuesOf(running, citizen.id, locale));
      const meaning = interpret(inbound.text, { ...current.view, values }, this.now(), this.options.services.timeZone);
      if (meaning.kind === 'page') page = meaning.page;
      else if (meaning.kind === 'invalid') hint = meaning.hint;
      else running.actor.send(meaning.event);
    }

    // Follow finished dialogs to the next one (menu → browse → apply …), settling effects.
    for (let hops = 0; ; hops++) {
      // Most turns have nothing in flight: waitFor's promise, subscription and timer only when needed.
      if (running.actor.getSnapshot().hasTag('busy')) {
        await waitFor(running.actor, (snapshot) => !snapshot.hasTag('busy'), { timeout: 15_000 });
        // The effect may have made the caller a citizen: what follows is drawn for them.
        if (citizen.id === NO_CITIZEN) citizen = (await citizens.find(inbound.address, inbound.channel)) ?? citizen;
      }
      const snapshot = running.actor.getSnapshot();
      if (snapshot.status !== 'done' || hops >= MAX_DIALOG_HOPS) break;
      const output = snapshot.output as DialogOutput;
      if (output.locale) locale = presentable((chosenLocale = output.locale));
      running.actor.stop();
      if (output.resume && suspended) {
        running = this.restore(suspended);
        running.actor.send({ type: 'RESUME', proven: inbound.proven === true });
        suspended = undefined;
      } else {
        running = await start(output.next, output.params);
        if (output.next === 'menu') suspended = undefined;
      }
    }

    const screen = await this.screenOf(running, citizen.id, locale);
    const resolved = resolveScreen(this.options.i18n, locale, screen, hint);
    const pages = paginate(resolved);
    page = Math.min(page, pages.length - 1);
    const reply = { text: pages[page].text, final: screen.final };
    const started = newSession || saved?.started === undefined ? now : saved.started;

    const record: SessionRecord = {
      dialog: running.dialog.name,
      version: running.dialog.version,
      snapshot: running.actor.getPersistedSnapshot(),
      view: { expect: screen.expect, ...keptValues(screen.options.map((option) => option.value)), back: screen.back, page, pageCount: pages.length },
      final: screen.final,
      session: inbound.session,
      hopKey: inbound.hopKey,
      reply,
      citizen: { id: citizen.id, locale: chosenLocale ?? citizen.locale },
      at: now,
      started,
      suspended,
    };
    running.actor.stop();
    await store.set(key, JSON.stringify(record), this.options.sessionTtl);
    return { ...reply, screen: resolved, page: pages[page], pageCount: pages.length };
  }

  /** Forgets an address's dialog (STOP, MENU, or a data deletion request). */
  async forget(address: string): Promise<void> {
    await this.options.store.delete(`dialog:${address}`);
  }

  private async start(name: DialogName, input: DialogInput): Promise<Running> {
    const dialog = this.options.dialogs[name];
    const actor = createActor(dialog.machine, { input });
    actor.start();
    return { dialog, actor };
  }

  /** The screen of the state the dialog is in, drawn for this citizen in `locale`. */
  private screenOf(running: Running, citizenId: number, locale: string): Promise<Screen> {
    const snapshot = running.actor.getSnapshot();
    const stateName = String(snapshot.value);
    const build = running.dialog.screens[stateName];
    if (!build) throw new Error(`dialog ${running.dialog.name} has no screen for state ${stateName}`);
    return build({ context: snapshot.context as never, citizenId, locale, services: this.options.services });
  }

  /** The option values of a screen whose values were too many to keep: drawn again (from the catalog's cache). */
  private async valuesOf(running: Running, citizenId: number, locale: string): Promise<string[]> {
    return (await this.screenOf(running, citizenId, locale)).options.map((option) => option.value);
  }

  private restore(record: Pick<SessionRecord, 'dialog' | 'snapshot'>): Running {
    const dialog = this.options.dialogs[record.dialog];
    const actor = createActor(dialog.machine, { snapshot: record.snapshot });
    actor.start();
    return { dialog, actor };
  }

  /** A saved dialog can be restored when its machine still exists at the same version. */
  private restorable(record: SessionRecord): boolean {
    const dialog = this.options.dialogs[record.dialog];
    return dialog !== undefined && dialog.version === record.version;
  }

  /** What the resume dialog asks about a saved dialog its own `suspendable` says is worth offering back, or undefined. */
  private offerBack(record: SessionRecord): Record<string, string> | undefined {
    const dialog = this.options.dialogs[record.dialog];
    if (!dialog.suspendable) return undefined;
    const { actor } = this.restore(record);
    const snapshot = actor.getSnapshot();
    actor.stop();
    return dialog.suspendable(snapshot);
  }

  /**
   * The dialog an address would be offered back on its next dial (a form with answers given),
   * by name with the resume question's params; undefined when there is none. For a gateway's
   * report that a session dropped.
   */
  async suspended(address: string): Promise<{ dialog: DialogName; params: Record<string, string> } | undefined> {
    const saved = parseRecord(await this.options.store.get(`dialog:${address}`));
    if (!saved || !this.restorable(saved) || saved.final) return undefined;
    const params = this.offerBack(saved);
    return params ? { dialog: saved.dialog, params } : undefined;
  }
}

/** Reads a saved record; anything unreadable is treated as no record (a fresh start). */
/**
 * Most bytes of option values a session record keeps. A list of a few dozen options is kept
 * and read back as is; a category of 700 services would make every caller in it hold 12 KB in
 * Redis, so its values are drawn again on the next hop instead (one cached catalog read).
 */
const VALUES_KEPT_BYTES = 512;

function keptValues(values: string[]): { values?: string[] } {
  return values.reduce((bytes, value) => bytes + value.length + 3, 0) <= VALUES_KEPT_BYTES ? { values } : {};
}

function parseRecord(raw: string | null): SessionRecord | undefined {
  if (!raw) return undefined;
  try {
    const record = JSON.parse(raw) as SessionRecord;
    return record && typeof record.dialog === 'string' && record.snapshot ? record : undefined;
  } catch {
    return undefined;
  }
}

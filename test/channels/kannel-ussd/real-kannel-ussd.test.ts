import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { startLingkod } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import { ussdJourney, type UssdDriver } from '../../support/ussd-journey';
import { findKannel, readmeKannelConf, textsTo, type KannelPrograms } from '../kannel/kannel-boxes';
import { USSD_OP } from '../../../src/channels/kannel-ussd/wire';
import type { SubmittedScreen } from './ussd-gateway-peer';
import { USSD_CONF_FILE, startUssdKannel, ussdKannelConf, type UssdKannel } from './ussd-kannel';

/**
 * SMPP USSD through a real Kannel: bearerbox binds over SMPP to a peer that plays the
 * operator's USSD gateway (the npm `smpp` package as the SMSC). The peer's deliver_sm with
 * `ussd_service_op` and `its_session_info` goes bearerbox → smsbox → get-url (`%D`) →
 * Lingkod, whose screen goes sendsms (`meta-data`) → bearerbox → a submit_sm back at the peer
 * with the TLVs, and the shared USSD journey runs through the same boxes. Kannel comes from
 * Debian (`apt-get install kannel kannel-extras`, which .ci/run does); without it this file
 * says so, and CI (REQUIRE_REAL_SERVICES=1) fails.
 */
const kannel = findKannel();
const required = process.env.REQUIRE_REAL_SERVICES === '1';
if (!kannel.programs && !required) {
  process.stdout.write(`\nKannel is not installed (${kannel.missing.join(', ')} missing): the SMPP USSD round trip through Kannel is left out of this run (CI requires it).\n`);
}
const withKannel = Boolean(kannel.programs) || required;
const programsOf = (): KannelPrograms => {
  if (!kannel.programs) throw new Error(`Kannel is not installed (${kannel.missing.join(', ')} missing); install kannel and kannel-extras`);
  return kannel.programs;
};

/** The USSD code the peer's phones dial. */
const CODE = '*347#';
/** A phone number as the gateway sends it in source_addr (international, no +). */
const digits = (phone: string) => phone.replace(/^\+/, '');

describe('the USSD groups of kannel.conf (src/channels/kannel-ussd/kannel.conf)', () => {
  const conf = readFileSync(USSD_CONF_FILE, 'utf8');

  it('declares both TLVs for the USSD link, and a get-url that passes the meta-data', () => {
    expect(conf).toMatch(/^group = smpp-tlv\nname = ussd_service_op\ntag = 0x0501\ntype = integer\nlength = 1\nsmsc-id = ussd$/m);
    expect(conf).toMatch(/^group = smpp-tlv\nname = its_session_info\ntag = 0x1383\ntype = octetstring\nlength = 2\nsmsc-id = ussd$/m);
    expect(conf).toMatch(/^group = sms-service\nkeyword = default\naccepted-smsc = ussd\nget-url = "http:\/\/lingkod\.internal:3000\/ussd\/kannel\?token=CHANGE-ME-ussd-token&from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&meta-data=%D"\nmax-messages = 0$/m);
    expect(conf).toMatch(/^allowed-smsc-id = ussd$/m);
    expect(conf).toMatch(/^max-sms-octets = 160$/m);
  });

  it('is the block the README shows (marked), and the README has no other copy of the USSD get-url', () => {
    const readme = readFileSync(path.resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const marker = readme.indexOf('<!-- kannel-ussd.conf:');
    if (marker >= 0) expect(/```conf\n([\s\S]*?)```/.exec(readme.slice(marker))?.[1]).toBe(conf);
    else expect(readme).not.toContain('/ussd/kannel?token=');
  });

  it('puts the USSD service before the SMS one in the configuration a run uses', () => {
    const run = { dir: '/tmp/x', adminPort: 1, boxPort: 2, sendsmsPort: 3, smscPort: 4, lingkodBase: 'http://127.0.0.1:5', token: 't', password: 'p' };
    const whole = ussdKannelConf(readmeKannelConf(), run, 6);
    expect(whole.indexOf('/ussd/kannel?')).toBeGreaterThan(0);
    expect(whole.indexOf('/ussd/kannel?')).toBeLessThan(whole.indexOf('/sms/kannel?'));
    expect(whole).toMatch(/^port = 6$/m);
  });
});

if (withKannel) {
  /** One bearerbox and smsbox bound to the peer, for the whole file. */
  let shared: UssdKannel | undefined;
  /** The journey's Lingkod settings, known once the boxes run. */
  const env: Record<string, string> = {};
  beforeAll(async () => {
    shared = await startUssdKannel(programsOf(), 'kannel-ussd');
    // The longest sendsms wait allowed: on a busy two-core CI machine a first hop (a fresh
    // database) can take seconds, and a screen whose send timed out is, by design, not resent.
    Object.assign(env, { KANNEL_SENDSMS_URL: shared.sendsmsUrl, KANNEL_USERNAME: 'lingkod', KANNEL_PASSWORD: shared.password, KANNEL_USSD_SMSC: 'ussd', KANNEL_USSD_SEND_TIMEOUT_MS: '20000' });
  });
  afterAll(async () => {
    await shared?.stop();
  });

  describe('a USSD session through Debian Kannel 1.4 over SMPP', () => {
    let db: Database;
    let boxes: UssdKannel;
    let context: AppContext;

    beforeAll(async () => {
      boxes = shared!;
      db = await databaseBackends()[0].open();
      const started = await startLingkod(db, {
        PUBLIC_URL: boxes.run.lingkodBase,
        KANNEL_SENDSMS_URL: boxes.sendsmsUrl,
        KANNEL_USERNAME: 'lingkod',
        KANNEL_PASSWORD: boxes.password,
        KANNEL_TOKEN: boxes.run.token,
        KANNEL_FROM: '2600',
        KANNEL_USSD_SMSC: 'ussd',
      });
      context = started.context;
      boxes.serve(started.app);
      context.dispatcher.start();
    });

    afterAll(async () => {
      await context?.close();
    });

    /** Sends the phone's message and returns the next screen the gateway got for it. */
    async function hop(phone: string, text: string, op: number, session: number, sequence: number): Promise<SubmittedScreen> {
      const before = boxes.peer.submitted.filter((screen) => screen.to === digits(phone)).length;
      expect(await boxes.peer.deliver(digits(phone), CODE, text, op, session, sequence)).toBe(0);
      try {
        return await boxes.peer.screenFor(digits(phone), before + 1);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${boxes.logs()}`);
      }
    }

    it('answers a dial (PSSR indication) with a USSR request carrying the language menu, then continues on the USSR confirm', async () => {
      const phone = '+639171120001';
      const first = await hop(phone, CODE, USSD_OP.pssrIndication, 42, 0);
      expect(first).toMatchObject({ op: USSD_OP.ussrRequest, session: 42, sequence: 1, end: false, serviceType: 'USSD', split: false, text: expect.stringMatching(/^Choose your language\n/) });
      const english = /^(\d+) English$/m.exec(first.text)![1];
      const menu = await hop(phone, english, USSD_OP.ussrConfirm, 42, first.sequence!);
      expect(menu).toMatchObject({ op: USSD_OP.ussrRequest, session: 42, sequence: 2, end: false, split: false, text: expect.stringMatching(/^Lingkod - government services\n1 Services\n/) });
      const services = /^(\d+) Services$/m.exec(menu.text)![1];
      const categories = await hop(phone, services, USSD_OP.ussrConfirm, 42, menu.sequence!);
      expect(categories).toMatchObject({ op: USSD_OP.ussrRequest, session: 42, sequence: 3, end: false });
      expect(categories.text).toContain('Social welfare');
    });

    it('sends a screen longer than one SMS (161 to 182 GSM-7 characters) as one submit_sm, not split', async () => {
      const phone = '+639171120006';
      const first = await hop(phone, CODE, USSD_OP.pssrIndication, 11, 0);
      let screen = await hop(phone, /^(\d+) English$/m.exec(first.text)![1], USSD_OP.ussrConfirm, 11, 1);
      for (const label of ['Services', 'Social welfare', 'Crisis assistance']) {
        screen = await hop(phone, new RegExp(`^(\\d+) ${label}`, 'm').exec(screen.text)![1], USSD_OP.ussrConfirm, 11, screen.sequence!);
      }
      expect(screen.text).toContain('Bring: ');
      expect(screen.text.length).toBeGreaterThan(160);
      expect(screen.text.length).toBeLessThanOrEqual(182);
      expect(screen.split).toBe(false);
      expect(boxes.peer.submitted.filter((each) => each.to === digits(phone))).toHaveLength(5);
    });

    it('answers a deliver_sm the gateway sends again with the same screen, and does not advance', async () => {
      const phone = '+639171120002';
      const first = await hop(phone, CODE, USSD_OP.pssrIndication, 7, 0);
      const english = /^(\d+) English$/m.exec(first.text)![1];
      const menu = await hop(phone, english, USSD_OP.ussrConfirm, 7, 1);
      const again = await hop(phone, english, USSD_OP.ussrConfirm, 7, 1);
      expect(again.text).toBe(menu.text);
      expect(again).toMatchObject({ op: USSD_OP.ussrRequest, session: 7, sequence: 2 });
      // The next real input goes on from the menu, not from a second step.
      const services = await hop(phone, '1', USSD_OP.ussrConfirm, 7, 2);
      expect(services.text).toContain('Social welfare');
    });

    it('carries a Bangla screen in UCS-2 in one submit_sm', async () => {
      const phone = '+8801711120003';
      const first = await hop(phone, CODE, USSD_OP.pssrIndication, 200, 0);
      const bangla = /^(\d+) বাংলা$/m.exec(first.text)?.[1];
      expect(bangla).toBeDefined();
      const menu = await hop(phone, bangla!, USSD_OP.ussrConfirm, 200, 1);
      expect(menu).toMatchObject({ op: USSD_OP.ussrRequest, session: 200, split: false });
      expect(menu.text).toMatch(/[\u0980-\u09ff]/);
      expect([...menu.text].length).toBeLessThanOrEqual(80);
    });

    it('sends nothing when the phone aborts, and records the dropped session', async () => {
      const phone = '+639171120004';
      await hop(phone, CODE, USSD_OP.pssrIndication, 9, 0);
      const before = boxes.peer.submitted.length;
      const answeredBefore = boxes.answered.length;
      expect(await boxes.peer.deliver(digits(phone), CODE, '', USSD_OP.userAbort, 9, 1, true)).toBe(0);
      for (let attempt = 0; attempt < 100 && boxes.answered.length === answeredBefore; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(boxes.answered.at(-1)).toMatchObject({ path: '/ussd/kannel', status: 200 });
      expect(boxes.peer.submitted.length).toBe(before);
    });

    it('still answers a text from the SMS link through /sms/kannel, and sends the reply there, never over the USSD link', async () => {
      const from = '+639171120005';
      const log = path.join(boxes.dir, 'fakesmsc.out');
      const fakesmsc = boxes.processes.start(programsOf().fakesmsc, ['-H', '127.0.0.1', '-r', String(boxes.run.smscPort), '-i', '0', '-m', '1', `${from} 2600 text MENU`], log);
      try {
        let reply: { text: string } | undefined;
        for (let attempt = 0; attempt < 200 && !reply; attempt++) {
          [reply] = textsTo(readText(log), from, 'utf-8');
          if (!reply) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(reply?.text).toMatch(/^Lingkod - government services\n/);
        expect(boxes.peer.submitted.filter((screen) => screen.to === digits(from))).toEqual([]);
      } finally {
        await boxes.processes.stop(fakesmsc);
      }
    });

    it('answered every request of Kannel with 200', () => {
      expect([...new Set(boxes.answered.map((each) => each.path))].sort()).toEqual(expect.arrayContaining(['/ussd/kannel', '/sms/kannel']));
      expect(boxes.answered.filter((each) => each.status !== 200)).toEqual([]);
    });
  });

  // The shared journey (language, browse, apply, status) with every hop through the same boxes.
  let sessions = 0;
  ussdJourney(
    'SMPP USSD through Debian Kannel',
    ({ app }, number): UssdDriver => {
      shared!.serve(app);
      const peer = shared!.peer;
      let session = 0;
      let last: SubmittedScreen | undefined;
      const next = async (text: string, op: number, sequence: number) => {
        const before = peer.submitted.filter((screen) => screen.to === digits(number)).length;
        await peer.deliver(digits(number), CODE, text, op, session, sequence);
        last = await peer.screenFor(digits(number), before + 1, 600).catch((error: Error) => {
          throw new Error(`${error.message}\n${shared!.logs()}`);
        });
        return { text: last.text, final: last.op === USSD_OP.pssrResponse && last.end === true };
      };
      return {
        dial: () => {
          session = sessions++ % 256;
          return next(CODE, USSD_OP.pssrIndication, 0);
        },
        press: (input) => next(input, USSD_OP.ussrConfirm, last?.sequence ?? 0),
      };
    },
    env,
  );
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';
import { MARAWI, startCentres, type CentreHarness } from './support';

/** The _csrf value of the first form on a page that carries one. */
const csrfIn = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/**
 * The assisted-request pages of the console: an operator at a centre files a request for a
 * citizen with the centre's key and sees what still waits; officers see their centres' list.
 */
describe.each(databaseBackends())('assisted requests in the console, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;
  let centre: { key: string; id: number };
  let officer: { key: string; id: number };

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db);
    centre = await h.keyFor('mssd', MARAWI);
    officer = await h.keyFor('mssd');
  });
  afterAll(async () => {
    await h.context.close();
  });

  /** A browser signed in with `key`, and where the console sent it first. */
  async function signedIn(key: string): Promise<{ agent: TestAgent; landing: string }> {
    const agent = request.agent(h.app);
    const form = await agent.get('/console/login').expect(200);
    await agent.post('/console/login').type('form').send({ _csrf: csrfIn(form.text), key }).expect(303);
    const home = await agent.get('/console');
    return { agent, landing: home.status === 303 ? String(home.headers.location) : '/console' };
  }

  it("sends a centre's operator to the assisted requests, the only section their key opens", async () => {
    const { agent, landing } = await signedIn(centre.key);
    expect(landing).toBe('/console/assisted');
    const page = await agent.get('/console/assisted').expect(200);
    expect(page.text).toContain(`Centre ${MARAWI} · key ${centre.id}`);
    expect(page.text).toContain('href="/console/assisted/new"');
    expect(page.text).not.toContain('href="/console/requests"');
    expect(page.text).not.toContain('href="/console/broadcasts"');
    const refused = await agent.get('/console/requests');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('can only file assisted requests');
  });

  it('refuses a centre key the broadcast compose page and every page beyond its centre\'s (finding 6: it opened the compose page)', async () => {
    const { agent } = await signedIn(centre.key);
    const csrf = csrfIn((await agent.get('/console/assisted')).text);
    for (const path of ['/console/broadcasts/new', '/console/broadcasts', '/console/broadcasts/1', '/console/audit', '/console/requests/48217730953']) {
      const response = await agent.get(path);
      expect([path, response.status]).toEqual([path, 403]);
      expect(response.text).not.toContain('name="text_en"');
    }
    await agent.get('/console?days=7').expect(303).expect('Location', '/console/assisted');
    const posted = await agent.post('/console/broadcasts/preview').type('form').send({ _csrf: csrf, topic: 'aid-payouts', text_en: 'x' });
    expect(posted.status).toBe(403);
    // Signing out is still the centre operator's to do.
    await agent.post('/console/logout').type('form').send({ _csrf: csrf }).expect(303).expect('Location', '/console/login');
  });

  it("offers a centre's operator only its own ministry's services", async () => {
    const { agent } = await signedIn(centre.key);
    const chooser = await agent.get('/console/assisted/new').expect(200);
    expect(chooser.text).toContain('value="mssd-aics"');
    expect(chooser.text).not.toContain('value="moh-');
  });

  it('files a request from the form of the chosen service, texting the citizen, and lists it as waiting', async () => {
    const { agent } = await signedIn(centre.key);
    const chooser = await agent.get('/console/assisted/new').expect(200);
    expect(chooser.text).toContain('<option value="mssd-aics">Crisis assistance (AICS)</option>');
    const form = await agent.get('/console/assisted/new?service=mssd-aics').expect(200);
    for (const field of ['answer_full_name', 'answer_household_size', 'answer_need', 'phone', 'personName', 'relationship', 'operator']) expect(form.text).toContain(`name="${field}"`);

    const filed = await agent
      .post('/console/assisted')
      .type('form')
      .send({
        _csrf: csrfIn(form.text),
        service: 'mssd-aics',
        phone: '0917 123 9001',
        answer_full_name: 'Sitti <b>Ali</b>',
        answer_household_size: '5',
        answer_need: 'food',
        personName: 'Sitti Ali',
        relationship: 'parent',
        locale: 'en',
        operator: 'Jamal',
      })
      .expect(303)
      .expect('Location', '/console/assisted?status=pending');
    expect(filed.headers['set-cookie']?.toString()).toContain('lingkod_flash=');
    const list = await agent.get('/console/assisted?status=pending').expect(200);
    expect(list.text).toContain('Filed Crisis assistance (AICS). We texted +63917•••9001 a code to confirm it.');
    expect(list.text).toContain('<td>Sitti Ali (parent)</td>');
    expect(list.text).toContain('waiting for the citizen');
    expect(list.text).not.toContain('<b>Ali</b>');

    const [row] = await db.query<{ operator: string; key_id: string; answers: Record<string, string> }>('SELECT operator, key_id, answers FROM assisted_requests WHERE address = $1', [
      'tel:+639171239001',
    ]);
    expect({ ...row, key_id: Number(row.key_id) }).toEqual({ operator: 'Jamal', key_id: centre.id, answers: { full_name: 'Sitti <b>Ali</b>', household_size: '5', need: 'food' } });
    expect(await db.query(`SELECT 1 FROM outbox WHERE address = 'tel:+639171239001' AND kind = 'notice'`)).toHaveLength(1);
  });

  it('goes back to the form with the reason when the answers do not fit, and refuses a form without its token', async () => {
    const { agent } = await signedIn(centre.key);
    const form = await agent.get('/console/assisted/new?service=mssd-aics');
    const bad = { service: 'mssd-aics', phone: '09171239002', answer_full_name: 'Sitti', answer_household_size: 'five', answer_need: 'food' };
    await agent.post('/console/assisted').type('form').send(bad).expect(403);
    await agent
      .post('/console/assisted')
      .type('form')
      .send({ ...bad, _csrf: csrfIn(form.text) })
      .expect(303)
      .expect('Location', '/console/assisted/new?service=mssd-aics');
    const back = await agent.get('/console/assisted/new?service=mssd-aics');
    expect(back.text).toContain('Not done: the answers do not fit the form: &#34;household_size&#34; must be 1-2 digits');
    expect(await db.query(`SELECT 1 FROM assisted_requests WHERE address = 'tel:+639171239002'`)).toEqual([]);
  });

  it("shows an officer their ministry's centres' requests, without the filing form", async () => {
    const { agent, landing } = await signedIn(officer.key);
    expect(landing).toBe('/console');
    const list = await agent.get('/console/assisted').expect(200);
    expect(list.text).toContain('Marawi City Service Centre');
    expect(list.text).not.toContain('href="/console/assisted/new"');
    expect((await agent.get('/console/assisted/new')).status).toBe(400);
  });
});

import type { Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { AppContext } from '../../src/context';
import { CLI_ACTOR } from '../../src/services/access';
import { PgliteDatabase } from '../../src/store/pglite';
import { startLingkod } from '../support/app';

/** The console's translations pages: completeness per language, its strings, one string's preview. */
const csrfIn = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

describe('the console translations pages', () => {
  let context: AppContext;
  let app: Express;
  let agent: TestAgent;

  beforeAll(async () => {
    ({ context, app } = await startLingkod(await PgliteDatabase.open(undefined)));
    const key = (await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'mssd', name: 'MSSD reviewer', holder: 'MSSD reviewer' }, 'cli')).key;
    agent = request.agent(app);
    const form = await agent.get('/console/login').expect(200);
    await agent.post('/console/login').type('form').send({ _csrf: csrfIn(form.text), key }).expect(303);
  });
  afterAll(async () => {
    await context.close();
  });

  it('sends a visitor without a session to the sign-in form', async () => {
    await request(app).get('/console/translations').set('Accept', 'text/html').expect(303).expect('Location', '/console/login');
  });

  it('lists each language with whether its drafts are shown and its counts, linked to its strings', async () => {
    const page = await agent.get('/console/translations').expect(200);
    expect(page.text).toContain('<a href="/console/translations/tsg" lang="tsg">Bahasa Sug</a> (Tausug)</th><td>No: the fallback instead</td><td>fil</td><td data-state="reviewed"><a href="/console/translations/tsg?state=reviewed">0</a>');
    expect(page.text).toContain('<a href="/console/translations/mdh" lang="mdh">Magindanawn</a> (Maguindanaon)</th><td>Yes</td>');
    expect(page.text).toContain('aria-current="page">Translations</a>');
  });

  it("lists a language's drafts, never as reviewed", async () => {
    const page = await agent.get('/console/translations/mdh?state=draft').expect(200);
    expect(page.text).toContain('<td lang="mdh" dir="ltr">Tabang</td><td data-state="draft">Draft</td>');
    expect(page.text).not.toContain('data-state="reviewed"');
  });

  it('previews a string as a USSD page and SMS parts, and says what an import would refuse', async () => {
    const current = await agent.get('/console/translations/mdh/string').query({ key: 'dialogs:menu.help' }).expect(200);
    expect(current.text).toContain('<p data-preview="size">GSM-7: 6 of 182 characters on a USSD page; 1 SMS part (placeholders not counted).</p>');
    expect(current.text).toContain('An import would accept it.');
    const edited = await agent.get('/console/translations/mdh/string').query({ key: 'dialogs:hint.choice', text: 'Sumbal sa numiru “1” taman sa {{maximum}}.' }).expect(200);
    expect(edited.text).toContain('UCS-2: 31 of 80 characters on a USSD page; 1 SMS part');
    expect(edited.text).toContain('mdh: dialogs:hint.choice has placeholders {maximum} but English has {max}');
    expect(edited.text).toContain('mdh: dialogs:hint.choice is not GSM-7');
  });

  it('answers 404 for a language or a string it does not have, and 400 for a state that is none', async () => {
    await agent.get('/console/translations/xx').expect(404);
    await agent.get('/console/translations/en').expect(404);
    await agent.get('/console/translations/mdh/string').query({ key: 'dialogs:nothing.here' }).expect(404);
    await agent.get('/console/translations/mdh?state=approved').expect(400);
  });
});

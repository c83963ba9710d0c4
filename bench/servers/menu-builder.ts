import express from 'express';
import Redis from 'ioredis';
import UssdMenu from 'ussd-menu-builder';

/**
 * The peer: ussd-menu-builder (the most used Node USSD library) serving a menu of the same
 * shape and texts as Lingkod's journey in the bench: a main menu of 7 entries, 9 categories,
 * 6 services in each, and a service's details with `1 Apply now` and `0 Back`, with `0`
 * going back a level everywhere. Its session store is Redis, as in production: every hop
 * refreshes the session's time-to-live (`start`) and records the screen shown (`set`), two
 * round trips, as Lingkod's GET and SET are.
 *
 * A UssdMenu keeps the hop it is running on the instance (`args`, `val`, the result callback),
 * so one shared instance mixes up concurrent hops; the menu is built for each request, as
 * concurrent servers using the library must.
 *
 * `PORT=… REDIS_URL=… node dist/bench/servers/menu-builder.js`; prints `listening <port>`.
 */
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/13');
const SESSION_TTL = 180;
const key = (sessionId: string) => `ub:${sessionId}`;

const MAIN = 'Lingkod - government services\n1 Services\n2 Find a service centre\n3 My requests\n4 Check a status\n5 Announcements\n6 Language\n7 Help';
const CATEGORIES = ['Social welfare', 'Health', 'Education', 'Farming and fisheries', 'Business and trade', 'Civil registry and IDs', 'Jobs and employment', 'Housing', 'Local permits'];
const SERVICES = [
  ['Crisis assistance (AICS)', 'Social pension for seniors', 'PWD ID card', 'Solo parent ID', 'Disaster relief packs', 'Supplementary feeding'],
  ['Medical assistance (MAIP)', 'Child immunization', 'Prenatal check-up', 'Health certificate', 'TB screening and treatment', 'Medical certificate'],
];
const servicesOf = (category: number) => SERVICES[category] ?? Array.from({ length: 6 }, (_, index) => `${CATEGORIES[category]} service ${index + 1}`);
const numbered = (title: string, options: string[]) => `${title}\n${options.map((option, index) => `${index + 1} ${option}`).join('\n')}\n0 Back`;
const detail = (name: string) => `${name}\nBring: Medical abstract; Hospital bill; Valid ID\nFee: free\nWhere: MOH Provincial Health Office\nTakes: 1 working day\n1 Apply now\n0 Back`;

function buildMenu(): UssdMenu {
  const menu = new UssdMenu();
  menu.sessionConfig({
    start: async (sessionId: string) => {
      await redis.expire(key(sessionId), SESSION_TTL);
    },
    end: async (sessionId: string) => {
      await redis.del(key(sessionId));
    },
    set: async (sessionId: string, name: string, value: unknown) => {
      await redis.hset(key(sessionId), name, String(value));
    },
    get: async (sessionId: string, name: string) => redis.hget(key(sessionId), name),
  });
  const show = (screen: string, text: string) => {
    void menu.session.set('screen', screen).then(() => menu.con(text));
  };
  menu.startState({
    run: () => show('main', MAIN),
    next: { '1': 'categories' },
  });
  menu.state('categories', {
    run: () => show('categories', numbered('Choose a category', CATEGORIES)),
    next: { '0': '__start__', ...Object.fromEntries(CATEGORIES.map((_, index) => [String(index + 1), `category.${index}`])) },
  });
  CATEGORIES.forEach((_, category) => {
    const services = servicesOf(category);
    menu.state(`category.${category}`, {
      run: () => show(`category.${category}`, numbered('Choose a service', services)),
      next: { '0': 'categories', ...Object.fromEntries(services.map((_, index) => [String(index + 1), `service.${category}.${index}`])) },
    });
    services.forEach((name, index) => {
      menu.state(`service.${category}.${index}`, {
        run: () => show(`service.${category}.${index}`, detail(name)),
        next: { '0': `category.${category}`, '1': 'apply' },
      });
    });
  });
  menu.state('apply', { run: () => menu.end('Apply at the office with the documents listed.') });
  return menu;
}

const app = express();
app.post('/ussd', express.urlencoded({ extended: false }), async (req, res) => {
  const { phoneNumber, sessionId, serviceCode, text } = req.body as Record<string, string>;
  const answer = await buildMenu().run({ phoneNumber, sessionId, serviceCode, text: text ?? '' });
  res.type('text/plain').send(answer);
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.once('SIGTERM', () => server.close(() => void redis.quit().then(() => process.exit(0))));

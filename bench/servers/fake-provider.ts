import { createServer } from 'node:http';

/**
 * A local fake provider for the dispatcher benchmark, in a process of its own:
 * `POST /send/<channel>` accepts a message and answers `{"providerId": …}` at once;
 * `GET /arrivals/<channel>` lists when each message arrived (ms, this process's clock);
 * `POST /reset` forgets them. `PORT=… node dist/bench/servers/fake-provider.js` prints
 * `listening <port>`.
 */
const arrivals = new Map<string, number[]>();
let counter = 0;

const server = createServer((req, res) => {
  const [, action, channel = ''] = (req.url ?? '').split('/');
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST' && action === 'send') {
      const list = arrivals.get(channel) ?? [];
      list.push(performance.now());
      arrivals.set(channel, list);
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"providerId":"p${++counter}"}`);
    } else if (req.method === 'GET' && action === 'arrivals') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(arrivals.get(channel) ?? []));
    } else if (req.method === 'POST' && action === 'reset') {
      arrivals.clear();
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

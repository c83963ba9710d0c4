import express from 'express';

/**
 * The ceiling: a bare Express 5 route answering `CON hello` to every hop, with nothing else
 * in the app (no body parser, no middleware). `PORT=… node dist/bench/servers/bare-express.js`;
 * prints `listening <port>` once it accepts connections.
 */
const app = express();
app.post('/ussd', (_req, res) => {
  res.type('text/plain').send('CON hello');
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

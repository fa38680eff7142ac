import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hook {
  url: string;
  requests: Array<{ headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
  server: Server;
}

/** A loopback webhook receiver; `responses` are the status codes to answer in turn (then 200). */
export async function webhookServer(responses: number[] = []): Promise<Hook> {
  const requests: Hook['requests'] = [];
  const queue = [...responses];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      const status = queue.shift() ?? 200;
      res.writeHead(status, status === 429 ? { 'retry-after': '2' } : {});
      res.end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, requests, server, close: () => new Promise((r) => server.close(() => r())) };
}

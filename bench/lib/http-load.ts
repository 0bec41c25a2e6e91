/**
 * A keep-alive HTTP load generator for a second process (autocannon is not installed):
 *   run { port, path, connections, durationMs, maxRequests } -> { ok, non2xx, errors, ms, statuses }
 * Each request posts a distinct seed-003 `dialog_state_update` body (a distinct dialog_uuid),
 * so a receiver that drops repeated deliveries still treats every request as new.
 */
import * as http from 'node:http';
import { serveParent } from './util';

let counter = 0;

function body(): Buffer {
  counter++;
  return Buffer.from(
    JSON.stringify({
      event_type: 'user_dialog',
      event_name: 'dialog_state_update',
      event_time: '2020-08-25 16:24:47',
      dialog_uuid: `bcfdaf62-87b7-4cd8-bd2e-${counter.toString(16).padStart(12, '0')}`,
      state: 'alerting',
    }),
  );
}

async function run(msg: Record<string, unknown>): Promise<unknown> {
  const port = Number(msg.port);
  const path = String(msg.path);
  const connections = Number(msg.connections ?? 16);
  const durationMs = Number(msg.durationMs ?? 3000);
  const maxRequests = Number(msg.maxRequests ?? 1_000_000);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const statuses: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const b = body();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': b.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const s = res.statusCode ?? 0;
            statuses[s] = (statuses[s] ?? 0) + 1;
            if (s >= 200 && s < 300) ok++;
            else non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(b);
    });
  const worker = async () => {
    while (performance.now() < deadline && sent < maxRequests) {
      sent++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const ms = performance.now() - t0;
  agent.destroy();
  return { ok, non2xx, errors, ms, statuses };
}

serveParent({ run });

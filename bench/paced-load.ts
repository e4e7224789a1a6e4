import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpRequestSpec } from './http-load.js';
import { loadResult, type LoadResult } from './stats.js';

export interface PacedLoadOptions {
  baseUrl: string;
  /** At most this many requests in flight (kept-alive sockets); a request due when all are busy waits, and its wait counts. */
  connections: number;
  seconds: number;
  /** Requests a second, evenly spaced. */
  rate: number;
  request: (n: number) => HttpRequestSpec;
  expectStatus: number;
}

/**
 * Offers requests at a steady rate whatever the answers (an open loop), and measures each from
 * the moment it was due, so a slow answer cannot hide the wait of the requests behind it. This
 * is the latency people see at a given load. autocannon's rate options cannot measure it: each
 * connection sends its share of a second's requests back to back as the second starts, so every
 * second begins with a burst at full speed (at 300/s against a service answering 600/s, the
 * median search took 43 ms instead of a few).
 */
export async function pacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let failures = 0;
  const inFlight: Promise<void>[] = [];
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const started = performance.now();
  try {
    for (let n = 0; n < total; n++) {
      const due = started + n * interval;
      const ahead = due - performance.now();
      if (ahead > 1) await sleep(ahead);
      inFlight.push(send(agent, options.baseUrl, options.request(n)).then(
        (status) => {
          if (status === options.expectStatus) latencies.push(performance.now() - due);
          else failures++;
        },
        () => {
          failures++;
        },
      ));
    }
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
  }
  return loadResult(latencies, (performance.now() - started) / 1000, failures);
}

function send(agent: http.Agent, baseUrl: string, spec: HttpRequestSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(spec.path, baseUrl), { method: spec.method, headers: spec.headers, agent }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(spec.body);
  });
}

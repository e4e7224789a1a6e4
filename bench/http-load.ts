import autocannon from 'autocannon';
import { startCpuMeter, type CpuSources } from './cpu-time.js';
import { loadResult, percentile, round1, type LoadResult } from './stats.js';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpLoadOptions {
  baseUrl: string;
  connections: number;
  seconds: number;
  /** Called for each request in turn: varies the child, the name, the reason. */
  request: (n: number) => HttpRequestSpec;
  /** The status a correct answer has; anything else counts as a failure. */
  expectStatus: number;
  /** Send at most this many requests a second in all (the overload run); default: as fast as answered. */
  overallRate?: number;
  /** The service's processes (and PostgreSQL's), to report the CPU an answer took. */
  cpu?: CpuSources;
}

/**
 * Load sent before a scenario's measured runs and not counted: the service's code compiled and
 * the pages PostgreSQL reads in its buffers, as in a service that has been running. At 1M
 * children the first 10 s of searches after a start ran at about 270/s, later ones at about 335/s.
 */
export const WARM_UP_SECONDS = 5;

/**
 * Drives the running service over loopback HTTP with autocannon (a bounded number of
 * connections) and measures every answer's latency, so p95 comes from the full distribution.
 */
export async function httpLoad(options: HttpLoadOptions): Promise<LoadResult & { statusCounts: Record<string, number>; shedP99: number | null }> {
  const latencies: number[] = [];
  const shed: number[] = [];
  const statusCounts: Record<string, number> = {};
  let failures = 0;
  let n = 0;
  const first = options.request(0);
  let finish: (result: autocannon.Result) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const meter = options.cpu ? startCpuMeter(options.cpu) : undefined;
  const instance = autocannon({
    url: options.baseUrl,
    connections: options.connections,
    duration: options.seconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [{
      method: first.method,
      path: first.path,
      setupRequest: (request) => {
        const spec = options.request(n++);
        return { ...request, method: spec.method, path: spec.path, headers: { ...request.headers, ...spec.headers }, ...(spec.body !== undefined ? { body: spec.body } : {}) };
      },
    }],
  }, (error, result) => (error ? fail(error) : finish(result)));
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    if (statusCode === options.expectStatus) latencies.push(responseTime);
    else failures++;
    if (statusCode === 503) shed.push(responseTime);
  });
  const result = await done;
  const cpu = meter?.stop();
  failures += result.errors + result.timeouts;
  return { ...loadResult(latencies, result.duration, failures, cpu), statusCounts, shedP99: shed.length > 0 ? round1(percentile(shed, 99)) : null };
}

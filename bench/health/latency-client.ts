import { Agent, request } from 'node:http';

/** What the health scenario asks of this process: GET the paths one request at a time, interleaved. */
export interface LatencyRequest {
  url: string;
  paths: string[];
  /** Measured time each path gets, in ms (the sum of its requests' latencies). */
  msPerPath: number;
  /** Requests per path before measuring, path after path. */
  warmUp: number;
}

/** Latencies (ms) and HTTP statuses per path. */
export type LatencyReply = Record<string, { latencies: number[]; statuses: Record<string, number> }>;

function get(agent: Agent, url: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Warm-up, then the paths take turns request by request, each on a keep-alive connection of its
 * own: the next request goes to the path that has had the least measured time so far (the first
 * listed on a tie), until every path has had `msPerPath`. So every path is measured in the same
 * moments of the machine's load (a burst of other work falls on all of them alike), and each gets
 * the same share of the time: paths of equal speed alternate one to one, a path twice as fast gets
 * two requests for one. A request takes what it takes: a slow path is exposed to the machine's
 * hiccups for as long as it runs, as a caller would be.
 */
async function measure({ url, paths, msPerPath, warmUp }: LatencyRequest): Promise<LatencyReply> {
  const reply: LatencyReply = Object.fromEntries(paths.map((p) => [p, { latencies: [], statuses: {} }]));
  const agents = paths.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const spent = paths.map(() => 0);
  try {
    for (const [i, path] of paths.entries()) for (let n = 0; n < warmUp; n++) await get(agents[i], url + path);
    for (;;) {
      let next = 0;
      for (let i = 1; i < paths.length; i++) if (spent[i] < spent[next]) next = i;
      if (spent[next] >= msPerPath) break;
      const { ms, status } = await get(agents[next], url + paths[next]);
      spent[next] += ms;
      const measured = reply[paths[next]];
      measured.latencies.push(ms);
      measured.statuses[status] = (measured.statuses[status] ?? 0) + 1;
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return reply;
}

// A child process of the health scenario: the requests come from outside the app's event loop, as
// a load balancer's would.
process.on('message', (message: LatencyRequest) => {
  measure(message).then(
    (reply) => process.send!({ reply }),
    (error: unknown) => process.send!({ error: String(error) }),
  );
});

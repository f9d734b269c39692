import { Agent, request } from 'node:http';

/** What the health scenario asks of this process: GET each path, one at a time, in timed windows. */
export interface LatencyRequest {
  url: string;
  paths: string[];
  windowMs: number;
  rounds: number;
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

/** Warm-up, then `rounds` rounds of one window per path (order alternating), over one keep-alive connection each. */
async function measure({ url, paths, windowMs, rounds, warmUp }: LatencyRequest): Promise<LatencyReply> {
  const reply: LatencyReply = Object.fromEntries(paths.map((p) => [p, { latencies: [], statuses: {} }]));
  const agents = new Map(paths.map((p) => [p, new Agent({ keepAlive: true, maxSockets: 1 })]));
  try {
    for (const path of paths) for (let i = 0; i < warmUp; i++) await get(agents.get(path)!, url + path);
    for (let round = 0; round < rounds; round++) {
      for (const path of round % 2 ? [...paths].reverse() : paths) {
        const deadline = performance.now() + windowMs;
        while (performance.now() < deadline) {
          const { ms, status } = await get(agents.get(path)!, url + path);
          reply[path].latencies.push(ms);
          reply[path].statuses[status] = (reply[path].statuses[status] ?? 0) + 1;
        }
      }
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
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

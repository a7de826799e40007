/**
 * Which loopback port a throwaway server listens on: any free one (the
 * default), or the next free one of a range the user pins (`--port 5433` or
 * `--port 5433-5440`) — firewalls, port forwards and CI service maps need to
 * know the port in advance.
 */
import net from 'node:net';
import { DbrollbackError } from '../errors.js';
import { freePort } from './local-cluster.js';

export interface PortRange {
  from: number;
  to: number;
}

/** `5433` or `5433-5440`; anything else is bad usage (exit 2). */
export function parsePortRange(text: string, flag = '--port'): PortRange {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  const from = m ? Number(m[1]) : NaN;
  const to = m?.[2] !== undefined ? Number(m[2]) : from;
  if (!m || from < 1 || to > 65535 || to < from) {
    throw new DbrollbackError('USAGE', `${flag} must be a port (1-65535) or a range FROM-TO (got "${text}")`, {
      hint: `Pass e.g. ${flag} 5433, or ${flag} 5433-5440 when several throwaway servers run.`,
    });
  }
  return { from, to };
}

/** Hands out ports: free ones of the range in order (each at most once), or any free port without a range. */
export function portAllocator(range: PortRange | undefined): () => Promise<number> {
  if (range === undefined) return freePort;
  let next = range.from;
  return async () => {
    while (next <= range.to) {
      const port = next++;
      if (await isFree(port)) return port;
    }
    const span = range.from === range.to ? `port ${range.from}` : `ports ${range.from}-${range.to}`;
    throw new DbrollbackError('PORT_UNAVAILABLE', `no free port left for a throwaway server: ${span} ${range.from === range.to ? 'is' : 'are'} in use or already taken by this run`, {
      hint: 'Free the port, or pass a wider range (--port FROM-TO: one port per throwaway server the run starts).',
      details: { range },
    });
  };
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

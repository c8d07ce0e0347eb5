import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';

export interface BlackholeServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A loopback port where TCP connects hang, as they do to a firewalled or dead host: a child process listens
 * with a backlog of 1 and never accepts (its event loop is blocked), and the accept queue is filled, so
 * the kernel drops further SYNs. Only for connect-timeout tests; `startSilentServer` covers "connects, never answers".
 */
export async function startBlackholeServer(): Promise<BlackholeServer> {
  const script = `
    const net = require('node:net');
    const server = net.createServer();
    server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
      process.stdout.write(String(server.address().port) + '\\n', () => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      });
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`blackhole server exited with ${code}`)));
  });
  const fillers: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const s of fillers) s.destroy();
    await kill(child);
  };
  try {
    for (let i = 0; i < 16; i++) {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      fillers.push(s);
      // a loopback connect completes at once unless the queue is full; the second wait rules out a slow machine
      if (!(await connectsWithin(s, 300)) && !(await connectsWithin(s, 700))) return { host: '127.0.0.1', port, close };
    }
  } catch (e) {
    await close();
    throw e;
  }
  await close();
  throw new Error('could not fill the accept queue of the blackhole server: connects still complete');
}

function connectsWithin(s: Socket, ms: number): Promise<boolean> {
  if (!s.connecting) return Promise.resolve(!s.destroyed);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.off('connect', onConnect);
      resolve(false);
    }, ms);
    const onConnect = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    s.once('connect', onConnect);
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

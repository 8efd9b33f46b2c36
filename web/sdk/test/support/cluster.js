// A Parley cluster for a test: its own redis-server and mariadbd on free
// loopback ports and temp dirs, and N parleyd gateways on them, as
// tests/integration/harness/ (redis_server.cc, mysql_server.cc) does for the
// C++ suites.

import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { startServer } from './server.js';

const run = promisify(execFile);
const MARIADBD = '/usr/sbin/mariadbd';

async function freePort() {
  const probe = net.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1',
                                       '--dir', dir, '--save', '', '--appendonly', 'no',
                                       '--protected-mode', 'no', '--loglevel', 'warning'],
                      { stdio: 'ignore' });
  await until(() => answersPing(port), 20000, 'redis-server');
  return { port, child };
}

// mariadb-install-db takes seconds: one pristine datadir per mariadbd build,
// kept in /tmp and copied for each server.
function pristineDatadir() {
  const { size, mtimeMs } = statSync(MARIADBD);
  return join(tmpdir(), `parley-sdk-mysql-pristine-${size}-${Math.floor(mtimeMs)}`);
}

async function startMariadb(dir) {
  const pristine = pristineDatadir();
  if (!existsSync(join(pristine, 'mysql'))) {
    const staging = mkdtempSync(join(tmpdir(), 'parley-sdk-mysql-init-'));
    await run('mariadb-install-db', ['--no-defaults', `--datadir=${staging}/data`, '--user=root',
                                     '--auth-root-authentication-method=normal',
                                     '--skip-test-db', '--skip-name-resolve'],
              { timeout: 60000 });
    try {
      renameSync(join(staging, 'data'), pristine);  // atomic: a racing test keeps its own
    } catch {
      // another process won
    }
    rmSync(staging, { recursive: true, force: true });
  }
  cpSync(pristine, join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const socket = join(dir, 'sock');
  const child = spawn(MARIADBD, ['--no-defaults', `--datadir=${dir}/data`, `--socket=${socket}`,
                                 `--port=${port}`, '--bind-address=127.0.0.1',
                                 '--skip-networking=0', '--skip-name-resolve',
                                 `--pid-file=${dir}/mariadbd.pid`,
                                 `--log-error=${dir}/error.log`,
                                 '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=8M',
                                 '--user=root'], { stdio: 'ignore' });
  const sql = (statement) => run('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot',
                                             '-e', statement], { timeout: 10000 });
  await until(() => sql('SELECT 1').then(() => true, () => false), 60000, 'mariadbd');
  await sql('CREATE DATABASE IF NOT EXISTS parley CHARACTER SET utf8mb4');
  await sql("CREATE USER IF NOT EXISTS 'parley'@'%' IDENTIFIED BY 'parley'");
  await sql("GRANT ALL PRIVILEGES ON *.* TO 'parley'@'%'");
  return { port, child, url: `mysql://parley:parley@127.0.0.1:${port}/parley` };
}

/** Redis + MariaDB + `gateways` parleyd gateways; stop() ends them all. */
export async function startCluster(gateways = 2, extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-sdk-cluster-'));
  const started = [];
  try {
    const redis = await startRedis(dir);
    started.push(() => stopChild(redis.child));
    const mysql = await startMariadb(dir);
    started.push(() => stopChild(mysql.child));
    const servers = [];
    for (let i = 1; i <= gateways; i += 1) {
      const server = await startServer(['--gateway-id', `gw${i}`,
                                        '--redis', `127.0.0.1:${redis.port}`,
                                        '--mysql', mysql.url, ...extraArgs]);
      servers.push(server);
      started.push(() => server.stop());
    }
    return {
      gateways: servers,
      async stop() {
        for (const stop of started.reverse()) await stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const stop of started.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

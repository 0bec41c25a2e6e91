/**
 * Simulator hardening: logins looked up through own properties only (no login through the
 * prototype chain), URLs printed without user info, query or a private token, and secrets
 * taken from the environment as well as the command line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { GatewayClient } from '../src/client/gateway-client';
import { Simulator } from '../src/simulator';
import { SECRET_ENV, parseCli, printableUrl } from '../src/simulator/cli';
import { loginAccepted, loginAcceptedInAnyTenant } from '../src/simulator/logins';
import { repoRoot } from './support/seeds';
import { until } from './support/wait';

describe('simulator hardening', function () {
  this.timeout(20_000);

  it('accepts logins from own properties only', () => {
    const logins = { demo: { demo: 'demo' } };
    assert.equal(loginAccepted(logins, 'demo', 'demo', 'demo'), true);
    assert.equal(loginAccepted(logins, 'demo', 'demo', 'Demo'), false);
    // Through the prototype chain: Object.prototype.constructor.name === 'Object'.
    assert.equal(loginAccepted(logins, 'constructor', 'name', 'Object'), false);
    assert.equal(loginAccepted(logins, 'demo', 'toString', 'function'), false);
    assert.equal(loginAccepted(logins, '__proto__', 'constructor', 'Object'), false);
    assert.equal(loginAcceptedInAnyTenant(logins, 'constructor', 'Object'), false);
    assert.equal(loginAcceptedInAnyTenant(logins, 'demo', 'demo'), true);
    assert.equal(loginAccepted(logins, 'demo', 'demo', undefined), false);
  });

  it('refuses a login through the prototype chain on the wire', async () => {
    const sim = new Simulator({ speed: 50 });
    const { url } = await sim.start();
    const client = new GatewayClient({
      url,
      tenant: 'constructor',
      username: 'name',
      password: 'Object',
      heartbeatMs: 0,
    });
    try {
      client.start();
      await until('refused', () => client.status.state === 'authFailed', 5000);
    } finally {
      await client.close();
      await sim.stop();
    }
  });

  it('takes secrets from the environment; the command line wins', () => {
    const env = {
      [SECRET_ENV.password]: 'env-pass',
      [SECRET_ENV['webhook-token']]: 'env-token',
      [SECRET_ENV['webhook-secret']]: 'env-secret',
      [SECRET_ENV['era-token']]: 'env-era',
    };
    const fromEnv = parseCli([], env).options;
    assert.deepEqual(fromEnv.users, { demo: { demo: 'env-pass' } });
    assert.equal(fromEnv.webhookToken, 'env-token');
    assert.equal(fromEnv.webhookHmacSecret, 'env-secret');
    assert.deepEqual(fromEnv.eraTokens, ['env-era']);
    const cli = parseCli(['--password', 'cli-pass', '--webhook-token', 'cli-token'], env).options;
    assert.deepEqual(cli.users, { demo: { demo: 'cli-pass' } });
    assert.equal(cli.webhookToken, 'cli-token');
    const none = parseCli([], {}).options;
    assert.deepEqual(none.users, { demo: { demo: 'demo' } });
    assert.equal(none.webhookToken, undefined);
    assert.throws(
      () => parseCli([], { [SECRET_ENV['era-token']]: 'no spaces allowed' }),
      /CCFLOW_SIM_ERA_TOKEN/,
    );
  });

  it('prints URLs without user info, query or fragment', () => {
    assert.equal(
      printableUrl('http://user:pw@127.0.0.1:1880/cc/hook?token=abc#x'),
      'http://127.0.0.1:1880/cc/hook',
    );
    assert.equal(printableUrl('not a url'), '(invalid URL)');
  });

  it('the started CLI prints its webhook without the credentials in it', async () => {
    const cli = path.join(repoRoot, 'dist', 'src', 'simulator', 'cli.js');
    const child = spawn(
      process.execPath,
      [
        cli,
        '--port',
        '0',
        '--quiet',
        '--webhook',
        'http://alice:pw-123@127.0.0.1:9/hook?token=tok-456',
      ],
      { env: { ...process.env, [SECRET_ENV['webhook-token']]: 'env-tok-789' } },
    );
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (b: Buffer) => {
          text += b.toString();
          if (/webhooks .*\n/.test(text)) resolve(text);
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${text}`)));
      });
      assert.match(out, /webhooks http:\/\/127\.0\.0\.1:9\/hook\n/);
      for (const secret of ['alice', 'pw-123', 'tok-456', 'env-tok-789']) {
        assert.ok(!out.includes(secret), `${secret} printed`);
      }
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

test('logs never carry a name, a date of birth, an address or a secret, however nested', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ logLevel: 'info' }, sink);
  logger.info({ child: { givenName: 'Canaryella', familyName: 'Zyxwarden', dateOfBirth: '2015-03-14', address: '1 Canary Row', nhsNumber: '9434765919' } }, 'child looked up');
  logger.info({ password: 'hunter2hunter2', req: { headers: { authorization: 'Bearer abc', cookie: 'signpost_session=xyz' } } }, 'request');
  const output = lines.join('');
  for (const secret of ['Canaryella', 'Zyxwarden', '2015-03-14', 'Canary Row', '9434765919', 'hunter2hunter2', 'Bearer abc', 'signpost_session=xyz']) {
    assert.ok(!output.includes(secret), `log contains ${secret}`);
  }
  assert.match(output, /child looked up/);
});

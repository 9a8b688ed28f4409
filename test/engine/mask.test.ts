import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConnection, maskText, maskValue, registerSecret } from '../../server/src/migrations';

void describe('mask', () => {
  void it('masks passwords in URLs, key/value strings and JSON', () => {
    assert.equal(maskText('postgres://app:pa55word@db:5432/app'), 'postgres://app:****@db:5432/app');
    assert.equal(maskText('see postgresql://u:p%40ss@h/db and mysql://x:y@z'), 'see postgresql://u:****@h/db and mysql://x:****@z');
    assert.equal(maskText('postgres://app@db/app'), 'postgres://app@db/app');
    assert.equal(maskText("host=db user=app password='se cret' dbname=app"), 'host=db user=app password=**** dbname=app');
    assert.equal(maskText('{"user":"app","password":"abc\\"def"}'), '{"user":"app","password":"****"}');
  });

  void it('masks password fields and registered secrets', () => {
    assert.deepEqual(maskValue({ host: 'h', password: 'x', nested: { pass: 'y', url: 'pg://a:b@c' } }), { host: 'h', password: '****', nested: { pass: '****', url: 'pg://a:****@c' } });
    registerSecret('Zq9-very-secret');
    assert.equal(maskText('auth failed with Zq9-very-secret for app'), 'auth failed with **** for app');
  });

  void it('describes connections without their password', () => {
    assert.equal(describeConnection('pg', { host: 'db', port: 5433, user: 'app', password: 'pw', database: 'main' }), 'postgres://app:****@db:5433/main');
    assert.equal(describeConnection('pg', { host: 'db', user: 'app', database: 'main' }), 'postgres://app@db/main');
    assert.equal(describeConnection('sqlite3', { filename: '/tmp/x.sqlite3' }), '/tmp/x.sqlite3');
    assert.equal(describeConnection('pg', 'postgres://a:b@h/d'), 'postgres://a:****@h/d');
  });
});

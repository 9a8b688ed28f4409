import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConnection, maskText, maskValue, registerSecret } from '../../server/src/migrations';

void describe('mask', () => {
  void it('masks passwords in URLs, key/value strings and JSON', () => {
    assert.equal(maskText('postgres://app:pa55word@db:5432/app'), 'postgres://app:****@db:5432/app');
    assert.equal(maskText('see postgresql://u:p%40ss@h/db and mysql://x:y@z'), 'see postgresql://u:****@h/db and mysql://x:****@z');
    assert.equal(maskText('postgres://app@db/app'), 'postgres://app@db/app');
    assert.equal(maskText("host=db user=app password='se cret' dbname=app"), "host=db user=app password='****' dbname=app");
    assert.equal(maskText('{"user":"app","password":"abc\\"def"}'), '{"user":"app","password":"****"}');
  });

  // Issue 13, item 7: unencoded `@ : / %` in passwords, and the character after a `password=` value is kept.
  const table: Array<[string, string]> = [
    ['postgres://app:p@ss:w/rd%@host/db', 'postgres://app:****@host/db'],
    ['postgres://app:p@ss:w/rd%@127.0.0.1:5432/db?sslmode=require', 'postgres://app:****@127.0.0.1:5432/db?sslmode=require'],
    ['Cannot connect to postgres://app:p@ss:w:rd%@127.0.0.1:1/db: connect ECONNREFUSED', 'Cannot connect to postgres://app:****@127.0.0.1:1/db: connect ECONNREFUSED'],
    ['postgresql://u:a@b@c@h/db and mysql://x:y:z@w', 'postgresql://u:****@h/db and mysql://x:****@w'],
    ['"postgres://app:s@cret@h/db"', '"postgres://app:****@h/db"'],
    ['postgres://h/db?password=se@c:r/et%&sslmode=require', 'postgres://h/db?password=****&sslmode=require'],
    ['postgres://h/db?sslmode=require&password=p@ss', 'postgres://h/db?sslmode=require&password=****'],
    ['"postgres://h/db?password=s3cret"', '"postgres://h/db?password=****"'],
    ['connect (password=secret) failed.', 'connect (password=****) failed.'],
    ['host=x password=p@ss:w/rd% dbname=y', 'host=x password=**** dbname=y'],
    ["host=x password='a b\\'c' dbname=y", "host=x password='****' dbname=y"],
    ['host=x password="a b" dbname=y', 'host=x password="****" dbname=y'],
    ['PGUSER=app PGPASSWORD=p@ss:w/rd% PGHOST=h', 'PGUSER=app PGPASSWORD=**** PGHOST=h'],
    ['{"PGPASSWORD":"x@y:z","PGHOST":"h"}', '{"PGPASSWORD":"****","PGHOST":"h"}'],
    ["{ client: 'pg', connection: { host: 'h', password: 'p@ss w/rd%' } }", "{ client: 'pg', connection: { host: 'h', password: '****' } }"],
    ['postgres://app@db/app?application_name=x', 'postgres://app@db/app?application_name=x'],
    ['password authentication failed for user "app"', 'password authentication failed for user "app"'],
  ];
  for (const [input, expected] of table) {
    void it(`masks ${input}`, () => assert.equal(maskText(input), expected));
  }

  void it('masks password fields and registered secrets', () => {
    assert.deepEqual(maskValue({ host: 'h', password: 'x', nested: { pass: 'y', url: 'pg://a:b@c' } }), { host: 'h', password: '****', nested: { pass: '****', url: 'pg://a:****@c' } });
    assert.deepEqual(maskValue({ PGPASSWORD: 'p@ss', url: 'postgres://app:p@ss:w/rd%@host/db' }), { PGPASSWORD: '****', url: 'postgres://app:****@host/db' });
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

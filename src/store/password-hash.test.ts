import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultScryptCost, hashPassword, needsRehash, verifyPassword } from './password-hash.js';

// A cheap cost keeps these tests fast; the encoding and checks are the same at any cost.
const cheap = { N: 1024, r: 8, p: 1 };

describe('password hash', () => {
  it('hashPassword encodes scheme, parameters, a 16-byte salt and the hash as scrypt$N$r$p$salt$hash', async () => {
    const encoded = await hashPassword('s3cret', cheap);
    const [scheme, n, r, p, salt, hash, ...rest] = encoded.split('$');
    assert.deepEqual([scheme, n, r, p, rest.length], ['scrypt', '1024', '8', '1', 0]);
    assert.equal(Buffer.from(salt ?? '', 'base64').length, 16);
    assert.equal(Buffer.from(hash ?? '', 'base64').length, 32);
  });

  it('hashPassword uses the default cost when none is given', async () => {
    const encoded = await hashPassword('pw');
    assert.ok(encoded.startsWith(`scrypt$${defaultScryptCost.N}$${defaultScryptCost.r}$${defaultScryptCost.p}$`));
    assert.equal(await verifyPassword('pw', encoded), true);
  });

  it('hashPassword salts every hash, so one password never gives the same string twice', async () => {
    assert.notEqual(await hashPassword('same', cheap), await hashPassword('same', cheap));
  });

  it('verifyPassword accepts the password and rejects any other', async () => {
    const encoded = await hashPassword('correct horse 🐎', cheap);
    assert.equal(await verifyPassword('correct horse 🐎', encoded), true);
    assert.equal(await verifyPassword('correct horse', encoded), false);
    assert.equal(await verifyPassword('', encoded), false);
  });

  it('verifyPassword treats the NFC and NFD spellings of a password as the same password', async () => {
    const encoded = await hashPassword('caf\u00e9', cheap);
    assert.equal(await verifyPassword('cafe\u0301', encoded), true);
  });

  it('verifyPassword returns false for a stored value that does not parse, never throwing', async () => {
    for (const bad of ['', 'plain-text-password', 'scrypt$x$8$1$c2FsdA==$aGFzaA==', 'scrypt$1024$8$1$$', 'bcrypt$1024$8$1$c2FsdA==$aGFzaA==',
      'scrypt$1024$8$1$c2FsdA==$aGFzaA==$extra', 'scrypt$1073741824$8$1$c2FsdA==$aGFzaA==']) {
      assert.equal(await verifyPassword('pw', bad), false, bad);
    }
  });

  it('needsRehash is true for hashes weaker than the given cost and for unparsable values', async () => {
    const weak = await hashPassword('pw', cheap);
    assert.equal(needsRehash(weak), true);
    assert.equal(needsRehash(weak, cheap), false);
    assert.equal(needsRehash('garbage'), true);
  });
});

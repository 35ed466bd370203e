import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginAdmission } from './login-admission.js';
import { KeyedTokenBuckets, maxKeys } from './token-bucket.js';

describe('KeyedTokenBuckets', () => {
  it('lets burst takes through at once, then one per 1/perSecond, saying how long until the next', () => {
    let now = 0;
    const buckets = new KeyedTokenBuckets({ burst: 2, perSecond: 4 }, () => now);
    assert.deepEqual([buckets.take('k'), buckets.take('k')], [{ ok: true }, { ok: true }]);
    assert.deepEqual(buckets.take('k'), { ok: false, retryAfterMs: 250 });
    assert.deepEqual(buckets.take('other'), { ok: true }, 'keys are counted apart');
    now = 250;
    assert.deepEqual(buckets.take('k'), { ok: true });
  });

  it('forgets refilled keys, and past maxKeys the oldest ones, so many keys cannot grow it without end', () => {
    let now = 0;
    const buckets = new KeyedTokenBuckets({ burst: 1, perSecond: 1 }, () => now);
    for (let i = 0; i < 10_000; i++) buckets.take(`a${i}`);
    now = 1_000;
    buckets.take('after-refill');
    assert.equal(buckets.size(), 1, 'every refilled key was forgotten');
    for (let i = 0; i < maxKeys + 5; i++) buckets.take(`b${i}`);
    assert.ok(buckets.size() <= maxKeys, `size ${buckets.size()} <= ${maxKeys}`);
  });

  it('refund gives a token back, never beyond burst', () => {
    const buckets = new KeyedTokenBuckets({ burst: 1, perSecond: 0.001 }, () => 0);
    assert.equal(buckets.take('k').ok, true);
    buckets.refund('k');
    buckets.refund('k');
    assert.equal(buckets.take('k').ok, true);
    assert.equal(buckets.take('k').ok, false);
  });
});

describe('LoginAdmission', () => {
  it('holds back failed attempts of a source but gives successful ones their token back', () => {
    const admission = new LoginAdmission({ loginPerSource: { burst: 2, perSecond: 1 } }, () => 0);
    for (let i = 0; i < 10; i++) {
      const ok = admission.admit('login', '10.0.0.1', 7);
      assert.ok(ok.ok);
      ok.succeeded();
    }
    assert.ok(admission.admit('login', '10.0.0.2', 7).ok);
    assert.ok(admission.admit('login', '10.0.0.2', 7).ok);
    const refused = admission.admit('login', '10.0.0.2', 7);
    assert.ok(!refused.ok && refused.retryAfterMs === 1000 && /from 10\.0\.0\.2 \(--login-source-rate 2:1/.test(refused.why), JSON.stringify(refused));
  });

  it('refuses an account whose bucket is empty from any address, and takes nothing from the source then', () => {
    const admission = new LoginAdmission({ loginPerSource: { burst: 5, perSecond: 1 }, loginPerAccount: { burst: 1, perSecond: 0.05 } }, () => 0);
    assert.ok(admission.admit('login', 'a', 7).ok);
    const refused = admission.admit('login', 'b', 7);
    assert.ok(!refused.ok && /for user 7 \(--login-account-rate/.test(refused.why), JSON.stringify(refused));
    for (let i = 0; i < 5; i++) assert.ok(admission.admit('login', 'b', 100 + i).ok, 'the refusal did not use up b');
  });

  it('counts register and resume in buckets of their own', () => {
    const admission = new LoginAdmission({ loginPerSource: { burst: 1, perSecond: 1 }, registerPerSource: { burst: 1, perSecond: 1 } }, () => 0);
    assert.ok(admission.admit('login', 's', 1).ok);
    assert.ok(admission.admit('register', 's', 0).ok);
    assert.ok(admission.admit('resume', 's', 1).ok, 'resume buckets are off');
    assert.equal(admission.admit('register', 's', 0).ok, false);
  });
});

describe('LoginAdmission holding a connection back', () => {
  it('holds the next attempt of a connection told to wait until its retry-after, and no other connection', async () => {
    const admission = new LoginAdmission({});
    const told = {};
    const other = {};
    admission.toldToWait(told, 60);
    const startedAt = performance.now();
    await admission.waitTurn(other);
    assert.ok(performance.now() - startedAt < 30, 'another connection is not held');
    await admission.waitTurn(told);
    assert.ok(performance.now() - startedAt >= 55, `held ${performance.now() - startedAt} ms; told 60`);
  });
});

/**
 * ServiceAccount tokens (given code, solutions/apiserver/service-account-tokens.ts): what
 * `kubectl create token` asks for, and what a request carrying one is.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { Registry, ServiceAccountTokens, type Authenticator } from '@kube/apiserver';
import { FakeClock, Random, type KubeObject } from '@kube/kit';

const KEY = Buffer.from('a key of the test, 32 bytes long');
const TOKEN_PATH = '/api/v1/namespaces/shop/serviceaccounts/builder/token';
/** kata 11's authenticator stands behind: any token it does not know is 401 */
const behind: Authenticator = {
  authenticate: (authorization) => {
    if (authorization === 'Bearer alice-token') return { username: 'alice', groups: ['system:authenticated'] };
    throw Object.assign(new Error('Unauthorized'), { unknownToken: authorization });
  },
};

function setUp(random?: Random) {
  const { store, watchable } = testStore();
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const registry = new Registry({ store, watchable, clock, random: new Random(11) });
  registry.create('namespaces', undefined, { metadata: { name: 'shop' } });
  const account = registry.create<KubeObject>('serviceaccounts', 'shop', { metadata: { name: 'builder' } });
  const tokens = new ServiceAccountTokens(registry, clock, KEY, random);
  const request = (body: unknown = { spec: { expirationSeconds: 3600 } }) =>
    tokens.answer('POST', TOKEN_PATH, { authorization: 'Bearer alice-token', 'content-type': 'application/json' }, JSON.stringify(body), behind, undefined);
  const tokenOf = (answer: { body: unknown }) => (answer.body as { status: { token: string } }).status.token;
  return { registry, clock, account, tokens, request, tokenOf };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/service-account-tokens.test.ts'), 240_000);
else describe('ServiceAccount tokens', () => {
  it('answers a TokenRequest with a token good for the time asked, which authenticates as the ServiceAccount with its groups and names itself by its jti', () => {
    const { request, tokenOf, tokens, account } = setUp();
    const answer = request();
    expect(answer.code).toBe(201);
    expect(answer.body).toMatchObject({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { expirationSeconds: 3600 }, status: { expirationTimestamp: '2026-01-01T01:00:00Z' } });
    const token = tokenOf(answer);
    const { jti } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string };
    expect(tokens.authenticate(`Bearer ${token}`)).toEqual({
      username: 'system:serviceaccount:shop:builder',
      uid: account.metadata.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] },
    });
    expect(tokenOf(request()), 'each token has an id of its own').not.toContain(token.split('.')[1]!);
  });

  it('takes its tokens\' ids from the Random it is given: the same seed, the same tokens, as a seeded test needs', () => {
    const jtiOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string }).jti;
    const firstToken = (seed: number) => {
      const { request, tokenOf } = setUp(new Random(seed));
      return tokenOf(request());
    };
    expect(firstToken(5)).toBe(firstToken(5));
    expect(jtiOf(firstToken(5))).not.toBe(jtiOf(firstToken(6)));
  });

  it('stops authenticating a token once it has expired, and once its ServiceAccount is deleted or made again (another uid)', async () => {
    const { request, tokenOf, tokens, clock, registry } = setUp();
    const token = `Bearer ${tokenOf(request({ spec: { expirationSeconds: 600 } }))}`;
    await clock.advance(599_000);
    expect(tokens.authenticate(token)?.username).toBe('system:serviceaccount:shop:builder');
    await clock.advance(1_000);
    expect(() => tokens.authenticate(token)).toThrow(/Unauthorized/);
    const fresh = `Bearer ${tokenOf(request())}`;
    registry.delete('serviceaccounts', 'shop', 'builder');
    expect(() => tokens.authenticate(fresh)).toThrow(/Unauthorized/);
    registry.create('serviceaccounts', 'shop', { metadata: { name: 'builder' } });
    expect(() => tokens.authenticate(fresh)).toThrow(/Unauthorized/);
  });

  it.each([
    { what: 'a ServiceAccount that does not exist is 404', path: '/api/v1/namespaces/shop/serviceaccounts/nobody/token', body: {}, code: 404, message: 'serviceaccounts "nobody" not found' },
    { what: 'a life under 10 minutes is 422', path: TOKEN_PATH, body: { spec: { expirationSeconds: 300 } }, code: 422, message: 'TokenRequest.authentication.k8s.io "builder" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes' },
  ])('refuses a TokenRequest where $what', ({ path, body, code, message }) => {
    const { tokens } = setUp();
    const answer = tokens.answer('POST', path, { authorization: 'Bearer alice-token', 'content-type': 'application/json' }, JSON.stringify(body), behind, undefined);
    expect(answer).toMatchObject({ code, body: { kind: 'Status', message } });
  });

  it('asks the authorizer whether the user may create serviceaccounts/token, and answers 403 when not', () => {
    const { tokens } = setUp();
    const asked: unknown[] = [];
    const answer = tokens.answer('POST', TOKEN_PATH, { authorization: 'Bearer alice-token' }, '', behind, { authorize: (attributes) => (asked.push(attributes), { allowed: false, reason: '' }) });
    expect(asked).toEqual([expect.objectContaining({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'shop', name: 'builder', user: expect.objectContaining({ username: 'alice' }) })]);
    expect(answer).toMatchObject({ code: 403, body: { reason: 'Forbidden' } });
  });

  test.prop([fc.nat(), fc.integer({ min: 0, max: 255 })])('a token changed in any one byte is no token of this server: the authenticator behind is asked instead', (at, xor) => {
    const { request, tokenOf, tokens } = setUp();
    const token = Buffer.from(tokenOf(request()));
    const i = at % token.length;
    fc.pre(((token[i]! ^ xor) & 0x7f) !== token[i]! && xor !== 0);
    token[i] = (token[i]! ^ xor) & 0x7f;
    const tampered = `Bearer ${token.toString('latin1')}`;
    let recognized: unknown;
    try {
      recognized = tokens.authenticating(behind).authenticate(tampered);
    } catch (error) {
      recognized = (error as { unknownToken?: string }).unknownToken === tampered ? 'asked behind' : error;
    }
    expect(recognized).toBe('asked behind');
  });

  test.prop([fc.integer({ min: 600, max: 86_400 * 365 }), fc.nat({ max: 86_400 * 400 })])('a token asked for S seconds authenticates exactly while less than S seconds have passed', async (seconds, passed) => {
    const { request, tokenOf, tokens, clock } = setUp();
    const token = `Bearer ${tokenOf(request({ spec: { expirationSeconds: seconds } }))}`;
    await clock.advance(passed * 1000);
    const works = (() => {
      try {
        return tokens.authenticate(token) !== undefined;
      } catch {
        return false;
      }
    })();
    expect(works).toBe(passed < seconds);
  });
});

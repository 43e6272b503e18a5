/**
 * TokenReviews, SubjectAccessReviews and LocalSubjectAccessReviews (given code, beyond the katas:
 * solutions/apiserver/reviews.ts SubjectReviews), which the HTTP server answers itself: whoever may
 * create one asks who a token is, or whether another user may do something.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { StatusError, SubjectReviews, type Authenticator, type Authorizer, type RequestAttributes } from '@kube/apiserver';
import type { Status } from '@kube/kit';

const unauthorized = () => new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
/** Tokens `admin` and `builder`; every other token is refused; no header is the administrator (the caller). */
const authenticator: Authenticator = {
  authenticate: (authorization) => {
    if (authorization === undefined || authorization === 'Bearer admin') return { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
    if (authorization === 'Bearer builder') return { username: 'system:serviceaccount:dev:builder', uid: 'u-1', groups: ['system:serviceaccounts', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j-1'] } };
    throw unauthorized();
  },
};
/** jane may list pods in dev; group ops may do anything; the administrator may ask. */
const authorizer = {
  authorize: (a: RequestAttributes) => {
    if (a.user.username === 'kubernetes-admin' || a.user.groups.includes('ops')) return { allowed: true, reason: 'RBAC: allowed' };
    return a.user.username === 'jane' && a.verb === 'list' && a.resource === 'pods' && a.namespace === 'dev' ? { allowed: true, reason: 'RBAC: allowed by RoleBinding "jane/dev"' } : { allowed: false, reason: '' };
  },
  rulesFor: () => [],
} as unknown as Authorizer;

const post = (path: string, body: object) => new SubjectReviews(authenticator).answer('POST', path, { 'content-type': 'application/json' }, JSON.stringify(body), authenticator, authorizer);
const sar = (spec: object) => post('/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/subject-reviews.test.ts'), 240_000);
else describe('TokenReviews and SubjectAccessReviews', () => {
  it('says whether another user may do something, as the authorizer decides for them, and refuses a review that names nobody', () => {
    const allowed = sar({ user: 'jane', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'dev' } });
    expect(allowed.code).toBe(201);
    expect(allowed.body).toMatchObject({ kind: 'SubjectAccessReview', status: { allowed: true, reason: 'RBAC: allowed by RoleBinding "jane/dev"' } });
    expect(sar({ user: 'jane', resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'dev' } }).body).toMatchObject({ status: { allowed: false } });
    expect(sar({ groups: ['ops'], nonResourceAttributes: { verb: 'get', path: '/metrics' } }).body).toMatchObject({ status: { allowed: true } });
    expect((sar({ resourceAttributes: { verb: 'list', resource: 'pods' } }).body as Status).message).toBe('SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
  });

  it('asks a LocalSubjectAccessReview about its own namespace only', () => {
    const local = (namespace: string, spec: object) => post(`/apis/authorization.k8s.io/v1/namespaces/${namespace}/localsubjectaccessreviews`, { spec });
    expect(local('dev', { user: 'jane', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'dev' } }).body).toMatchObject({ kind: 'LocalSubjectAccessReview', metadata: { namespace: 'dev' }, status: { allowed: true } });
    const elsewhere = local('dev', { user: 'jane', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'prod' } });
    expect(elsewhere.code).toBe(400);
    expect((elsewhere.body as Status).message).toBe('spec.resourceAttributes.namespace must match namespace: dev');
  });

  it('says who a token is, with its extra and the audiences, and that an unknown one is nobody', () => {
    const token = (value: string) => post('/apis/authentication.k8s.io/v1/tokenreviews', { kind: 'TokenReview', spec: { token: value } }).body as { status: object };
    expect(token('builder').status).toEqual({
      authenticated: true,
      user: { username: 'system:serviceaccount:dev:builder', uid: 'u-1', groups: ['system:serviceaccounts', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j-1'] } },
      audiences: ['https://kubernetes.default.svc.cluster.local'],
    });
    expect(token('forged').status).toEqual({ user: {} });
    const denied = new SubjectReviews(authenticator).answer('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {}, '{}', authenticator, { authorize: () => ({ allowed: false, reason: '' }) } as unknown as Authorizer);
    expect(denied.code).toBe(403);
    expect((denied.body as Status).message).toBe('tokenreviews.authentication.k8s.io is forbidden: User "kubernetes-admin" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope');
  });

  test.prop([fc.constantFrom('jane', 'bob', ''), fc.subarray(['ops', 'dev']), fc.constantFrom('list', 'delete'), fc.constantFrom('pods', 'secrets'), fc.constantFrom('dev', 'prod')])(
    'a SubjectAccessReview answers what the authorizer answers for the user it names, and refuses one that names nobody',
    (user, groups, verb, resource, namespace) => {
      const answer = sar({ user, groups, resourceAttributes: { verb, resource, namespace } });
      if (!user && groups.length === 0) {
        expect(answer.code).toBe(422);
        return;
      }
      const expected = authorizer.authorize({ user: { username: user, groups }, verb, resourceRequest: true, apiGroup: '', apiVersion: '', resource, subresource: '', namespace, name: '', path: '' }).allowed;
      expect((answer.body as { status: { allowed: boolean } }).status.allowed).toBe(expected);
    },
  );
});

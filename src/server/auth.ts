// Who is calling and may they: a bearer token is checked with TokenReview, each call with SubjectAccessReview
// against the pipewright.dev RBAC of the namespace. Callers without a token are the kubeconfig's own user only when
// the server trusts local callers (laptop mode, loopback only, like `kubectl proxy`), else anonymous if allowed.
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { pooledApiClient } from '../controller/api-client.js';
import { ApiError, GRPC } from './mapping.js';

export type Caller =
  /** The server's own kubeconfig identity: the API server itself enforces RBAC on every call made for it. */
  | { kind: 'kubeconfig' }
  | { kind: 'user'; username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };

export type Verb = 'get' | 'list' | 'create' | 'update' | 'delete';
export type Resource = 'pipelineruns' | 'pipelines' | 'recurringruns';

export interface AuthOptions {
  /** Callers without a token act as the kubeconfig's user (laptop mode, server bound to loopback). */
  trustLocalCallers: boolean;
  /** Callers without a token are system:anonymous, authorized by SubjectAccessReview (off by default). */
  allowAnonymous: boolean;
  /**
   * Further audiences a token may be for, such as KFP's projected `pipelines.kubeflow.org` tokens. A token is
   * reviewed for the API server's own audiences first, then for these.
   */
  audiences?: string[];
}

const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

export interface RequestOrigin {
  host?: string;
  origin?: string;
  /** Sec-Fetch-Site, sent by browsers on every request: same-origin, same-site, cross-site or none. */
  secFetchSite?: string;
}

/**
 * Laptop mode trusts this machine's processes and the server's own web UI, not the other web pages its browser
 * visits: a request from another origin (its Origin, or a Sec-Fetch-Site other than same-origin/none) or with a Host
 * that is not loopback (DNS rebinding) is refused, as kubectl proxy refuses other hosts. The UI's own requests carry
 * Origin http://<loopback Host> (or none, for GETs). Returns the reason, or undefined when the request may act as the
 * kubeconfig.
 */
export function localCallerProblem(headers: RequestOrigin): string | undefined {
  const host = headers.host ?? '';
  const sameOrigin = LOOPBACK_HOST.test(host) && headers.origin?.toLowerCase() === `http://${host.toLowerCase()}`;
  if (headers.origin !== undefined && !sameOrigin) return `requests from web pages of other origins (Origin ${headers.origin}) need a bearer token`;
  if (headers.secFetchSite !== undefined && !['same-origin', 'none'].includes(headers.secFetchSite)) {
    return `requests from other web sites (Sec-Fetch-Site ${headers.secFetchSite}) need a bearer token`;
  }
  if (!LOOPBACK_HOST.test(host)) return `Host ${headers.host ?? '(none)'} is not loopback: callers without a token must use http://127.0.0.1 or http://localhost`;
  return undefined;
}

const ANONYMOUS: Caller = { kind: 'user', username: 'system:anonymous', groups: ['system:unauthenticated'] };
const TOKEN_TTL_MS = 30_000;

export class Authorizer {
  private readonly authn: k8s.AuthenticationV1Api;
  private readonly authz: k8s.AuthorizationV1Api;
  private readonly reviewed = new Map<string, { caller: Caller; until: number }>();

  constructor(kc: k8s.KubeConfig, private readonly opts: AuthOptions) {
    this.authn = pooledApiClient(kc, k8s.AuthenticationV1Api);
    this.authz = pooledApiClient(kc, k8s.AuthorizationV1Api);
  }

  async authenticate(authorization: string | undefined, headers: RequestOrigin = {}): Promise<Caller> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) {
      if (this.opts.trustLocalCallers) {
        const problem = localCallerProblem(headers);
        if (problem) throw new ApiError(403, GRPC.PERMISSION_DENIED, problem);
        return { kind: 'kubeconfig' };
      }
      if (this.opts.allowAnonymous) return ANONYMOUS;
      throw new ApiError(401, GRPC.UNAUTHENTICATED, 'no bearer token: pass Client(existing_token=...) with a Kubernetes token (kubectl create token <serviceaccount>)');
    }
    // Keyed by a hash: the token itself is never kept or logged.
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.reviewed.get(key);
    if (hit && hit.until > Date.now()) return hit.caller;
    const reviewFor = (audiences?: string[]): Promise<k8s.V1TokenReview> =>
      this.authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } } });
    let review = await reviewFor();
    if (!review.status?.authenticated && this.opts.audiences?.length) review = await reviewFor(this.opts.audiences);
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username) {
      throw new ApiError(401, GRPC.UNAUTHENTICATED, `the bearer token was not accepted by the Kubernetes API server${review.status?.error ? ` (${review.status.error})` : ''}`);
    }
    const caller: Caller = { kind: 'user', username: user.username, uid: user.uid, groups: user.groups ?? [], extra: user.extra };
    if (this.reviewed.size > 1000) this.reviewed.clear();
    this.reviewed.set(key, { caller, until: Date.now() + TOKEN_TTL_MS });
    return caller;
  }

  async authorize(caller: Caller, verb: Verb, resource: Resource, namespace: string): Promise<void> {
    if (caller.kind === 'kubeconfig') return;
    const review = await this.authz.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: caller.username, uid: caller.uid, groups: caller.groups, extra: caller.extra,
          resourceAttributes: { namespace, verb, group: 'pipewright.dev', resource },
        },
      },
    });
    if (!review.status?.allowed) {
      throw new ApiError(403, GRPC.PERMISSION_DENIED, `${caller.username} may not ${verb} ${resource}.pipewright.dev in namespace ${namespace}`);
    }
  }
}

// Bearer-token verification (HS256 shared secret or RS256 public key). Verified claims become pgSettings;
// no token means the anonymous role; a bad token is refused (401), never downgraded silently.
//
// Accepted claims (docs/operations.md): `user_id` or `sub` (the user's uuid, required); `exp` (required, in the
// future); `iat` (optional; refused when more than JWT_CLOCK_SKEW_S in the future); `nbf` (optional; refused
// while more than JWT_CLOCK_SKEW_S ahead); `iss`/`aud` checked when JWT_ISSUER/JWT_AUDIENCE are set. Other claims
// are ignored: only the user id reaches PostgreSQL (jwt.claims.user_id), RLS does the rest.
import { createPublicKey, type KeyObject } from "node:crypto";
import { jwtVerify, type JWTPayload } from "jose";
import type { Config } from "../config.ts";
import { ROLES } from "../db/roles.ts";

export class AuthError extends Error {
  readonly status = 401;
  constructor(message: string) { super(message); this.name = "AuthError"; }
}

export interface Verifier { verify(token: string): Promise<JWTPayload> }

export function makeVerifier(jwt: Omit<Config["jwt"], "clockSkewS"> & { clockSkewS?: number }): Verifier {
  const skew = jwt.clockSkewS ?? 30;
  const keys: { key: Uint8Array | KeyObject; alg: string }[] = [];
  if (jwt.secret) keys.push({ key: new TextEncoder().encode(jwt.secret), alg: "HS256" });
  if (jwt.publicKey) keys.push({ key: createPublicKey(jwt.publicKey), alg: "RS256" });
  return {
    async verify(token: string) {
      let last: unknown;
      for (const { key, alg } of keys) {
        try {
          const { payload } = await jwtVerify(token, key, {
            algorithms: [alg],
            clockTolerance: skew,
            requiredClaims: ["exp"],
            ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
            ...(jwt.audience ? { audience: jwt.audience } : {}),
          });
          if (payload.iat !== undefined && (typeof payload.iat !== "number" || payload.iat > Date.now() / 1000 + skew)) {
            throw new AuthError("issued in the future (iat)");
          }
          return payload;
        } catch (e) { last = e; }
      }
      throw new AuthError(last instanceof Error ? `invalid token: ${last.message}` : "invalid token");
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** pgSettings for a request given its Authorization header. */
export async function pgSettingsFor(verifier: Verifier, authorization: string | undefined): Promise<Record<string, string>> {
  if (!authorization) return { role: ROLES.anonymous };
  const m = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!m) throw new AuthError("Authorization header must be 'Bearer <token>'");
  const claims = await verifier.verify(m[1]!);
  const userId = (claims.user_id ?? claims.sub) as unknown;
  if (typeof userId !== "string" || !UUID.test(userId)) throw new AuthError("token has no valid user_id/sub claim");
  return { role: ROLES.visitor, "jwt.claims.user_id": userId };
}

/** Who a request counts against for per-caller limits: the signed-in user, else the client's address. */
export function callerKeyFor(settings: Record<string, string>, remoteAddress: string | undefined): string {
  const userId = settings["jwt.claims.user_id"];
  return userId ? `user:${userId}` : `ip:${remoteAddress ?? "unknown"}`;
}

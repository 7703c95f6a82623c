// Who is signed in. The bearer token lives in sessionStorage only: it is gone when the tab
// closes, and Sign out removes it at once. ``Session`` is the seam for Entra ID sign-in later:
// the rest of the console asks a session for its bearer token and never reads storage itself.

import type { components } from "./api/schema";

export type AgentView = components["schemas"]["AgentView"];

export type Role = "agent" | "admin";

export interface Session {
  role: Role;
  /** The signed-in agent (None for the admin token). */
  agent: AgentView | null;
  bearer(): string;
}

const TOKEN_KEY = "wcc.token";

export class TokenSession implements Session {
  constructor(
    private readonly token: string,
    readonly role: Role,
    readonly agent: AgentView | null,
  ) {}

  bearer(): string {
    return this.token;
  }

  save(): void {
    sessionStorage.setItem(TOKEN_KEY, this.token);
  }
}

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

export type SignInFailure = "invalid" | "disabled" | "unavailable";

/** Who ``token`` belongs to: an agent (GET /api/agent/me answers), or the admin (the agent API
 * says it needs an agent's token, and the admin API answers). */
export async function signIn(
  token: string,
  fetcher: typeof fetch = fetch,
): Promise<TokenSession | SignInFailure> {
  const headers = { Authorization: `Bearer ${token}` };
  let me: Response;
  try {
    me = await fetcher("/api/agent/me", { headers });
  } catch {
    return "unavailable";
  }
  if (me.ok) return new TokenSession(token, "agent", (await me.json()) as AgentView);
  if (me.status === 401) return "invalid";
  if (me.status === 403) {
    const body = (await me.json().catch(() => null)) as { error?: { code?: string } } | null;
    if (body?.error?.code === "agent_disabled") return "disabled";
    const admin = await fetcher("/api/admin/queues", { headers }).catch(() => null);
    if (admin?.ok) return new TokenSession(token, "admin", null);
    return admin ? "invalid" : "unavailable";
  }
  return "unavailable";
}

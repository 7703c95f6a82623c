// The typed API client: paths and bodies come from schema.d.ts, generated from the app's
// OpenAPI document by `make api-client` (a test fails when it is stale). Every request carries
// the session's bearer token; a 401 (the token is not valid any more) or a 403 agent_disabled
// (the admin disabled this agent) ends the session.

import createClient, { type Middleware } from "openapi-fetch";

import type { paths } from "./schema";

export type Api = ReturnType<typeof createClient<paths>>;

export type SessionEnd = "expired" | "disabled";

export function apiClient(bearer: () => string, onEnded: (why: SessionEnd) => void): Api {
  const client = createClient<paths>({ baseUrl: "" });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${bearer()}`);
      return request;
    },
    async onResponse({ response }) {
      if (response.status === 401) onEnded("expired");
      else if (response.status === 403) {
        const body = await response.clone().json().catch(() => null);
        if (body?.error?.code === "agent_disabled") onEnded("disabled");
      }
      return response;
    },
  };
  client.use(auth);
  return client;
}

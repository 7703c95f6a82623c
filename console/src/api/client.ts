// The typed API client: paths and bodies come from schema.d.ts, generated from the app's
// OpenAPI document by `make api-client` (a test fails when it is stale). Every request carries
// the session's bearer token; a 401 ends the session.

import createClient, { type Middleware } from "openapi-fetch";

import type { paths } from "./schema";

export type Api = ReturnType<typeof createClient<paths>>;

export function apiClient(bearer: () => string, onUnauthorized: () => void): Api {
  const client = createClient<paths>({ baseUrl: "" });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${bearer()}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized();
      return response;
    },
  };
  client.use(auth);
  return client;
}

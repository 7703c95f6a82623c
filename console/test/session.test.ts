import { beforeEach, describe, expect, it } from "vitest";

import { forgetToken, savedToken, signIn, TokenSession } from "../src/session";

function answers(routes: Record<string, [number, unknown]>): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const [status, body] = routes[String(input)] ?? [404, { error: { code: "not_found" } }];
    return new Response(JSON.stringify(body), { status });
  }) as typeof fetch;
}

const AGENT = { id: "a1", name: "Lin", presence: "available" };

describe("signing in", () => {
  beforeEach(() => sessionStorage.clear());

  it("opens the agent workspace for an agent's token", async () => {
    const session = await signIn("agt_x", answers({ "/api/agent/me": [200, AGENT] }));
    expect(session).toBeInstanceOf(TokenSession);
    expect((session as TokenSession).role).toBe("agent");
    expect((session as TokenSession).agent?.name).toBe("Lin");
  });

  it("recognises the admin token by the admin API answering", async () => {
    const session = await signIn(
      "admin",
      answers({
        "/api/agent/me": [403, { error: { code: "forbidden" } }],
        "/api/admin/queues": [200, { queues: [] }],
      }),
    );
    expect((session as TokenSession).role).toBe("admin");
  });

  it("says why it failed", async () => {
    expect(await signIn("bad", answers({ "/api/agent/me": [401, {}] }))).toBe("invalid");
    expect(
      await signIn("off", answers({ "/api/agent/me": [403, { error: { code: "agent_disabled" } }] })),
    ).toBe("disabled");
    const down = (async () => {
      throw new TypeError("network");
    }) as typeof fetch;
    expect(await signIn("x", down)).toBe("unavailable");
  });

  it("keeps the token in sessionStorage only, until sign-out", () => {
    new TokenSession("agt_secret", "agent", null).save();
    expect(savedToken()).toBe("agt_secret");
    expect(localStorage.getItem("wcc.token")).toBeNull();
    forgetToken();
    expect(savedToken()).toBeNull();
  });
});

import { describe, expect, it } from "vitest";

import { miniProgramIds } from "../src/admin/accounts/accountForm";
import { entryNames, withImageAnswer } from "../src/admin/workstreams/materials";
import { lineContent, type MessageView } from "../src/conversation/lines";

function sent(fields: Partial<MessageView>): MessageView {
  return {
    id: "20261202100000000-2-000000000000000001",
    direction: "out",
    type: "text",
    event: null,
    text: null,
    mediaId: null,
    msgId: null,
    createdAt: "2026-12-02T10:00:00Z",
    receivedAt: "2026-12-02T10:00:00Z",
    details: {},
    status: "sent",
    sender: "agent:a1",
    attachment: null,
    thumbnail: null,
    ...fields,
  };
}

describe("what the agent sent beyond text", () => {
  it("reads a news article from its details", () => {
    const news = { title: "Refund", url: "https://e.example/r", picUrl: "https://e.example/p.png" };
    expect(lineContent(sent({ type: "news", text: "Refund", details: { news } }))).toEqual({
      kind: "news",
      title: "Refund",
      description: "",
      url: "https://e.example/r",
      picUrl: "https://e.example/p.png",
    });
  });

  it("reads a mini-program card", () => {
    const card = { title: "Track", appId: "wx00112233445566aa", pagePath: "pages/o/i" };
    expect(
      lineContent(sent({ type: "miniprogrampage", details: { miniProgramPage: card } })),
    ).toEqual({ kind: "miniProgram", ...card });
  });

  it("gives a video its title when it has one, else shows it as a file", () => {
    const video = { title: "How to", description: "Two minutes" };
    expect(lineContent(sent({ type: "video", details: { video } }))).toEqual({
      kind: "sentVideo",
      ...video,
    });
    expect(lineContent(sent({ type: "video" }))).toEqual({ kind: "video" });
  });

  it("never reads a customer's push as ours", () => {
    const line = sent({ direction: "in", type: "news", text: "x", details: { news: {} } });
    expect(lineContent(line).kind).toBe("other");
  });
});

describe("an FAQ answer from a material", () => {
  const entries = JSON.stringify([
    { name: "hours", keywords: ["hours"], answers: { en: { text: "9-18" } } },
    { name: "map", keywords: ["map"], answers: { en: { text: "see the map" } } },
  ]);

  it("sets one entry's answer in one language to the image", () => {
    const changed = JSON.parse(withImageAnswer(entries, "map", "zh-CN", "MEDIA")!);
    expect(changed[1].answers).toEqual({
      en: { text: "see the map" },
      "zh-CN": { image: { mediaId: "MEDIA" } },
    });
    expect(changed[0]).toEqual(JSON.parse(entries)[0]);
  });

  it("changes nothing it cannot read", () => {
    expect(withImageAnswer("[", "map", "en", "M")).toBeNull();
    expect(withImageAnswer(entries, "nope", "en", "M")).toBeNull();
    expect(entryNames(entries)).toEqual(["hours", "map"]);
    expect(entryNames("{}")).toEqual([]);
  });
});

describe("linked mini-programs", () => {
  it("splits, drops repeats and names what is not an AppID", () => {
    expect(miniProgramIds("wx00112233445566aa, wx00112233445566aa，wx1")).toEqual({
      ids: ["wx00112233445566aa", "wx1"],
      wrong: ["wx1"],
    });
    expect(miniProgramIds("  ")).toEqual({ ids: [], wrong: [] });
  });
});

import { describe, expect, it } from "vitest";

import { draftOf, menuOf, newButton, problems, type ButtonDraft } from "../src/admin/accounts/menuModel";

const click = (name: string, key: string): ButtonDraft => ({ ...newButton(), name, key });

describe("the menu editor's model", () => {
  it("turns a draft into the API's body and back", () => {
    const menu = {
      buttons: [
        { name: "退款", type: "click" as const, key: "REFUND" },
        { name: "Help", subButtons: [{ name: "FAQ", type: "view" as const, url: "https://e.com/faq" }] },
      ],
    };
    expect(menuOf(draftOf(menu as never))).toEqual(menu);
  });

  it("finds each limit at the field the API names", () => {
    expect(problems([])).toMatchObject([{ path: "buttons", key: "menu.problem.noButtons" }]);
    expect(problems([click("a".repeat(16), "A")])).toEqual([]);
    expect(problems([click("a".repeat(17), "A")])).toMatchObject([
      { path: "buttons.0.name", values: { size: 17, limit: 16 } },
    ]);
    expect(problems([click("退款退款退款", "A")])[0]?.values).toEqual({ size: 18, limit: 16 });
    expect(problems([click("a", "k".repeat(129))])[0]?.path).toBe("buttons.0.key");
    expect(problems([click("a", "A"), click("b", "A")])).toMatchObject([
      { path: "buttons.1.key", key: "menu.problem.keyTwice" },
    ]);
    expect(problems([click("a", "1"), click("b", "2"), click("c", "3"), click("d", "4")])).toMatchObject([
      { path: "buttons", key: "menu.problem.tooManyButtons" },
    ]);
    const parent: ButtonDraft = {
      ...newButton(),
      name: "More",
      parent: true,
      subs: Array.from({ length: 6 }, (_, i) => ({ name: "n".repeat(60), type: "click" as const, key: `k${i}`, url: "" })),
    };
    expect(problems([parent])).toMatchObject([{ path: "buttons.0.subButtons", key: "menu.problem.tooManySubButtons" }]);
    const view: ButtonDraft = { ...newButton(), name: "W", type: "view", url: "ftp://e.com" };
    expect(problems([view])).toMatchObject([{ path: "buttons.0.url", key: "menu.problem.url" }]);
  });
});

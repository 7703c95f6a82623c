import { describe, expect, it } from "vitest";

import { CATALOGUE, LANGUAGES, preferredLanguage, translate } from "../src/i18n/messages";

describe("the message catalogue", () => {
  it("has every key in every language, none left empty", () => {
    const keys = Object.keys(CATALOGUE.en).sort();
    for (const language of LANGUAGES) {
      expect(Object.keys(CATALOGUE[language]).sort()).toEqual(keys);
      for (const key of keys) expect(CATALOGUE[language][key as keyof typeof CATALOGUE.en]).not.toBe("");
    }
  });

  it("keeps the same placeholders in every language", () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(CATALOGUE.en)) {
      expect(placeholders(CATALOGUE["zh-CN"][key as keyof typeof CATALOGUE.en])).toEqual(
        placeholders(text),
      );
    }
  });

  it("fills placeholders and leaves unknown ones as written", () => {
    expect(translate("en", "session.signedInAs", { name: "Lin" })).toBe("Signed in as Lin");
    expect(translate("zh-CN", "session.signedInAs", { name: "林" })).toBe("当前用户：林");
    expect(translate("en", "session.signedInAs")).toBe("Signed in as {name}");
  });

  it("takes Chinese for any zh tag and English otherwise", () => {
    expect(preferredLanguage(["zh-TW", "en"])).toBe("zh-CN");
    expect(preferredLanguage(["en-GB", "zh-CN"])).toBe("en");
    expect(preferredLanguage(["fr-FR", "zh"])).toBe("zh-CN");
    expect(preferredLanguage(["de"])).toBe("en");
    expect(preferredLanguage([])).toBe("en");
  });
});

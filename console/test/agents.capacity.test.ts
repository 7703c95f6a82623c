import { describe, expect, it } from "vitest";

import { meterClass } from "../src/admin/agents/capacity";

describe("the capacity bar", () => {
  it("fills in tenths of the capacity, never past full", () => {
    expect(meterClass(0, 3)).toBe("qa-w0");
    expect(meterClass(2, 4)).toBe("qa-w50");
    expect(meterClass(1, 3)).toBe("qa-w30");
    expect(meterClass(5, 3)).toBe("qa-w100");
  });

  it("is full for a capacity of 0 that holds work, empty otherwise", () => {
    expect(meterClass(1, 0)).toBe("qa-w100");
    expect(meterClass(0, 0)).toBe("qa-w0");
  });
});

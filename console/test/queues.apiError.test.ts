import { describe, expect, it } from "vitest";

import { messageAt, problemOf, unplaced } from "../src/admin/queues/apiError";

describe("the API's errors next to their fields", () => {
  it("reads the API's error body, camel-casing a merged model's field", () => {
    expect(
      problemOf({
        error: { code: "invalid_request", message: "bad", field: "out_of_hours.transfer_queue_id" },
      }),
    ).toEqual({ code: "invalid_request", message: "bad", field: "outOfHours.transferQueueId" });
    expect(problemOf(undefined, 502)).toEqual({ code: "http_502", message: "" });
  });

  it("shows a message at its field and the parts below it, not at a sibling", () => {
    const problem = { code: "invalid_request", message: "m", field: "overflow.maxWaiting" };
    expect(messageAt(problem, "overflow.maxWaiting")).toBe("m");
    expect(messageAt(problem, "overflow")).toBe("m");
    expect(messageAt(problem, "overflow.action")).toBeUndefined();
    expect(messageAt(problem, "over")).toBeUndefined();
  });

  it("leaves a problem no field shows to the form", () => {
    const problem = { code: "conflict", message: "m" };
    expect(unplaced(problem, ["name"])).toBe(problem);
    expect(unplaced({ ...problem, field: "name" }, ["name"])).toBeNull();
  });
});

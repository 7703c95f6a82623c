// Capacity profiles as the console edits them: the wrap-up duration in seconds in the form,
// ISO 8601 for the API, and the hook the agent and workstream editors share.

import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { type Problem, problemOf } from "../queues/apiError";

export type CapacityProfile = components["schemas"]["CapacityProfile"];
export type WrapUpBlocking = components["schemas"]["WrapUpBlocking"];

/** "PT1M30S" → 90; null for anything else. */
export function durationSeconds(iso: string | null | undefined): number | null {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(iso ?? "");
  if (!match || iso === "PT") return null;
  const [, h = "0", m = "0", s = "0"] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

export const secondsDuration = (seconds: number): string => `PT${seconds}S`;

export type ProfilesLoad =
  | { state: "loading" }
  | { state: "failed"; problem: Problem }
  | { state: "ready"; value: CapacityProfile[] };

/** Every capacity profile, loaded again whenever ``revision`` changes. */
export function useCapacityProfiles(api: Api, revision = 0): ProfilesLoad {
  const [load, setLoad] = useState<ProfilesLoad>({ state: "loading" });
  useEffect(() => {
    let live = true;
    api.GET("/api/admin/capacity-profiles").then(
      ({ data, error, response }) => {
        if (!live) return;
        if (data) setLoad({ state: "ready", value: data.capacityProfiles });
        else setLoad({ state: "failed", problem: problemOf(error, response.status) });
      },
      () => live && setLoad({ state: "failed", problem: problemOf(undefined) }),
    );
    return () => {
      live = false;
    };
  }, [api, revision]);
  return load;
}

// The presence an agent can set, in the order people read them, with their labels.

import type { components } from "../api/schema";
import type { MessageKey } from "../i18n/messages";

export type Presence = components["schemas"]["Presence"];

export const PRESENCES: readonly { value: Presence; label: MessageKey }[] = [
  { value: "available", label: "presence.available" },
  { value: "busy", label: "presence.busy" },
  { value: "doNotDisturb", label: "presence.doNotDisturb" },
  { value: "away", label: "presence.away" },
  { value: "offline", label: "presence.offline" },
];

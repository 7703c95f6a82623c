// Offers (a workstream's assignmentMode "offer") as the workspace shows them: who is still to
// be answered, and how long is left, counted down to the server's expiresAt.

import type { components } from "../api/schema";

export type Offer = components["schemas"]["OfferView"];

/** Whole seconds left until ``expiresAt`` at ``now`` (ms), never below zero. */
export function secondsLeft(expiresAt: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
}

/** The offers still open at ``now``, the soonest to run out first. */
export function openOffers(offers: readonly Offer[], now: number): Offer[] {
  return offers
    .filter((offer) => secondsLeft(offer.expiresAt, now) > 0)
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
}

/** The ids in ``current`` that ``previous`` did not have (null: the first load, none new). */
export function newOffers(previous: readonly Offer[] | null, current: readonly Offer[]): Offer[] {
  if (previous === null) return [];
  const seen = new Set(previous.map((offer) => offer.conversationId));
  return current.filter((offer) => !seen.has(offer.conversationId));
}

// Skills with ratings as the admin pages edit them. A rule's or a workstream's required skills
// are typed as one line, "billing:3, mandarin:5" ("vip" alone means minRating 1), so the
// compact editors stay one text box; an agent's held skills get a row each.

import type { components } from "../api/schema";

export type HeldSkill = components["schemas"]["HeldSkill-Output"];
export type RequiredSkill = components["schemas"]["RequiredSkill-Output"];

/** "billing:3, vip" → [{name: "billing", minRating: 3}, {name: "vip", minRating: 1}]. A rating
 * that is not a number is sent as it is, so the API's 400 names the skill. */
export function parseRequired(text: string): RequiredSkill[] {
  return text
    .split(/[,，]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.lastIndexOf(":");
      if (at < 0) return { name: part, minRating: 1 };
      const rating = part.slice(at + 1).trim();
      return {
        name: part.slice(0, at).trim(),
        minRating: /^\d+$/.test(rating) ? Number(rating) : (rating as unknown as number),
      };
    });
}

/** The line ``parseRequired`` reads back: ":1" left out. */
export function formatRequired(skills: readonly (RequiredSkill | string)[] | undefined): string {
  return (skills ?? [])
    .map((skill) =>
      typeof skill === "string"
        ? skill
        : skill.minRating > 1
          ? `${skill.name}:${skill.minRating}`
          : skill.name,
    )
    .join(", ");
}

/** "billing 4 · vip 1": an agent's skills in a list. */
export function describeHeld(skills: readonly HeldSkill[]): string {
  return skills.map((skill) => `${skill.name} ${skill.rating}`).join(" · ");
}

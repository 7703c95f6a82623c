// An FAQ entry's answer set to a permanent image (an account material's mediaId), in the
// entries' JSON as the settings form holds it (shared/model/bots.py: Answer is text or image).

/** The entries' JSON with ``entry``'s answer in ``language`` made ``{"image": {"mediaId"}}``;
 * null when the JSON is not a list of entries or has no entry of that name. */
export function withImageAnswer(
  entriesJson: string,
  entry: string,
  language: string,
  mediaId: string,
): string | null {
  let entries: unknown;
  try {
    entries = JSON.parse(entriesJson);
  } catch {
    return null;
  }
  if (!Array.isArray(entries)) return null;
  let found = false;
  const changed = entries.map((item: unknown) => {
    if (!item || typeof item !== "object" || (item as { name?: unknown }).name !== entry) {
      return item;
    }
    found = true;
    const answers = (item as { answers?: unknown }).answers;
    const kept = answers && typeof answers === "object" ? answers : {};
    return { ...item, answers: { ...kept, [language]: { image: { mediaId } } } };
  });
  return found ? JSON.stringify(changed, null, 2) : null;
}

/** The names of the entries in the form's JSON (none while it does not parse). */
export function entryNames(entriesJson: string): string[] {
  try {
    const entries: unknown = JSON.parse(entriesJson);
    if (!Array.isArray(entries)) return [];
    return entries
      .map((item: unknown) => (item && typeof item === "object" ? (item as { name?: unknown }).name : null))
      .filter((name): name is string => typeof name === "string");
  } catch {
    return [];
  }
}

// What the admin API said went wrong, in the shape the forms show it: the API's message next
// to the field it names ({"error": {"code", "message", "field"?}}).

export interface Problem {
  code: string;
  message: string;
  /** The field's path in the request body, camelCase: "operatingHours.weekly.0.end". */
  field?: string;
}

/** A validation error raised after a PATCH is merged names the stored model's fields
 * (snake_case); the form knows the request's (camelCase). */
export function camelPath(path: string): string {
  return path.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The problem in an openapi-fetch ``error`` (the answer's JSON), or a generic one when the
 * answer was not the API's (a proxy's page, a network failure). */
export function problemOf(error: unknown, status = 0): Problem {
  const body = (error as { error?: Partial<Problem> } | undefined)?.error;
  if (body && typeof body.message === "string") {
    return {
      code: typeof body.code === "string" ? body.code : "error",
      message: body.message,
      ...(typeof body.field === "string" && body.field ? { field: camelPath(body.field) } : {}),
    };
  }
  return { code: status ? `http_${status}` : "network", message: "" };
}

/** The message to show next to the field at ``path``: the problem names it or a part of it
 * ("overflow.maxWaiting" belongs to "overflow.maxWaiting", not to "overflow.action"). */
export function messageAt(problem: Problem | null, path: string): string | undefined {
  if (!problem?.field) return undefined;
  const field = problem.field;
  return field === path || field.startsWith(path + ".") ? problem.message : undefined;
}

/** A problem that no field of the form will show: the form shows it above its buttons. */
export function unplaced(problem: Problem | null, placed: readonly string[]): Problem | null {
  if (!problem) return null;
  if (problem.field && placed.some((path) => messageAt(problem, path))) return null;
  return problem;
}

/** The capacity bar's width in tenths, as a class (the CSP refuses style=""): used of total,
 * full when a capacity of 0 holds anything. */
export function meterClass(used: number, total: number): string {
  if (total <= 0) return used > 0 ? "qa-w100" : "qa-w0";
  return `qa-w${Math.min(10, Math.round((used / total) * 10)) * 10}`;
}

/** Move up, move down and remove, for one card of an ordered list (rules, rulesets). */
export function OrderTools({
  index,
  count,
  onMove,
  onRemove,
  labels,
}: {
  index: number;
  count: number;
  onMove: (by: number) => void;
  onRemove: () => void;
  labels: { up: string; down: string; remove: string };
}) {
  return (
    <div class="ws-rule-tools">
      <button type="button" class="ws-icon" disabled={index === 0} onClick={() => onMove(-1)} aria-label={labels.up} title={labels.up}>↑</button>
      <button type="button" class="ws-icon" disabled={index === count - 1} onClick={() => onMove(1)} aria-label={labels.down} title={labels.down}>↓</button>
      <button type="button" class="ws-icon ws-danger" onClick={onRemove} aria-label={labels.remove} title={labels.remove}>✕</button>
    </div>
  );
}

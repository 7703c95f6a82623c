import { useI18n } from "../../i18n";
import type { ValueKind, VariableRow } from "./model";

/** Name, type and value per row: a bot's context variables in the dry run, a classification
 * rule's outputs. */
export function VariableRows({
  rows,
  onChange,
  nameLabel,
  removeLabel,
  addLabel,
}: {
  rows: VariableRow[];
  onChange: (rows: VariableRow[]) => void;
  nameLabel: string;
  removeLabel: (name: string) => string;
  addLabel: string;
}) {
  const { t } = useI18n();
  const change = (i: number, row: Partial<VariableRow>) => onChange(rows.map((x, j) => (j === i ? { ...x, ...row } : x)));
  // A boolean is chosen from true/false: text left from another kind reads as true.
  const changeKind = (i: number, kind: ValueKind) =>
    change(i, kind === "boolean" ? { kind, text: rows[i]!.text === "false" ? "false" : "true" } : { kind });
  return (
    <>
      {rows.map((v, i) => (
        <div class="ws-inline ws-variable" key={i}>
          <input aria-label={nameLabel} placeholder={nameLabel} value={v.name} onInput={(e) => change(i, { name: (e.target as HTMLInputElement).value })} />
          <select aria-label={t("rules.valueType")} value={v.kind} onChange={(e) => changeKind(i, (e.target as HTMLSelectElement).value as ValueKind)}>
            <option value="text">{t("rules.typeText")}</option>
            <option value="number">{t("rules.typeNumber")}</option>
            <option value="boolean">{t("rules.typeBoolean")}</option>
          </select>
          {v.kind === "boolean" ? (
            <select aria-label={t("rules.test.variableValue")} value={v.text} onChange={(e) => change(i, { text: (e.target as HTMLSelectElement).value })}>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : (
            <input aria-label={t("rules.test.variableValue")} placeholder={t("rules.test.variableValue")} value={v.text} onInput={(e) => change(i, { text: (e.target as HTMLInputElement).value })} />
          )}
          <button type="button" class="ws-icon ws-danger" aria-label={removeLabel(v.name || String(i + 1))} onClick={() => onChange(rows.filter((_, j) => j !== i))}>✕</button>
        </div>
      ))}
      <button type="button" class="ws-link-button" onClick={() => onChange([...rows, { name: "", kind: "text", text: "" }])}>
        {addLabel}
      </button>
    </>
  );
}

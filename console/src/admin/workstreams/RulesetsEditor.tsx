import { useI18n } from "../../i18n";
import { ConditionNode } from "./ConditionEditor";
import {
  errorAt,
  errorUnder,
  freshRuleName,
  moveRule,
  newComparison,
  type EditedClassificationRule,
  type EditedRuleset,
  type FieldError,
  type Vocabulary,
} from "./model";
import { OrderTools } from "./OrderTools";
import { VariableRows } from "./VariableRows";

/** Classification rulesets, run in order before the routing rules: per ruleset, rules with a
 * condition and the outputs the first matching one sets (``classification.<name>``). */
export function RulesetsEditor({
  rulesets,
  vocabulary,
  error,
  onChange,
}: {
  rulesets: EditedRuleset[];
  vocabulary: Vocabulary;
  error: FieldError | null;
  onChange: (rulesets: EditedRuleset[]) => void;
}) {
  const { t } = useI18n();
  const newRule = (rules: { name: string }[]): EditedClassificationRule => ({
    name: freshRuleName(rules, t("rules.defaultName")),
    condition: { all: [newComparison(vocabulary)] },
    outputs: [{ name: "", kind: "text", text: "" }],
  });
  const listError = errorAt(error, "classificationRulesets");
  return (
    <>
      {rulesets.length === 0 && <p class="ws-hint">{t("rulesets.empty")}</p>}
      <ol class="ws-ruleset-list">
        {rulesets.map((ruleset, index) => (
          <RulesetCard
            key={index}
            ruleset={ruleset}
            index={index}
            count={rulesets.length}
            vocabulary={vocabulary}
            error={error}
            newRule={newRule}
            onChange={(next) => onChange(rulesets.map((r, i) => (i === index ? next : r)))}
            onMove={(by) => onChange(moveRule(rulesets, index, by))}
            onRemove={() => onChange(rulesets.filter((_, i) => i !== index))}
          />
        ))}
      </ol>
      {listError && <p role="alert" class="ws-error">{listError}</p>}
      <button
        type="button"
        class="ws-button"
        onClick={() => onChange([...rulesets, { name: freshRuleName(rulesets, t("rulesets.defaultName")), rules: [newRule([])] }])}
      >
        {t("rulesets.add")}
      </button>
    </>
  );
}

function RulesetCard({
  ruleset,
  index,
  count,
  vocabulary,
  error,
  newRule,
  onChange,
  onMove,
  onRemove,
}: {
  ruleset: EditedRuleset;
  index: number;
  count: number;
  vocabulary: Vocabulary;
  error: FieldError | null;
  newRule: (rules: { name: string }[]) => EditedClassificationRule;
  onChange: (ruleset: EditedRuleset) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const base = `classificationRulesets.${index}`;
  const id = `ruleset-${index}`;
  const label = ruleset.name || String(index + 1);
  const nameError = errorAt(error, `${base}.name`);
  const here = errorAt(error, base) ?? errorAt(error, `${base}.rules`);
  const setRules = (rules: EditedClassificationRule[]) => onChange({ ...ruleset, rules });
  return (
    <li class="ws-ruleset" aria-label={t("rulesets.label", { n: index + 1, name: label })}>
      <div class="ws-rule-head">
        <span class="ws-rule-number">{index + 1}</span>
        <div class="ws-field ws-grow">
          <label for={`${id}-name`}>{t("rulesets.name")}</label>
          <input id={`${id}-name`} value={ruleset.name} aria-invalid={nameError ? true : undefined} onInput={(e) => onChange({ ...ruleset, name: (e.target as HTMLInputElement).value })} />
          {nameError && <p role="alert" class="ws-error">{nameError}</p>}
        </div>
        <OrderTools index={index} count={count} onMove={onMove} onRemove={onRemove} labels={{ up: t("rulesets.moveUp", { name: label }), down: t("rulesets.moveDown", { name: label }), remove: t("rulesets.remove", { name: label }) }} />
      </div>
      {here && <p role="alert" class="ws-error">{here}</p>}
      <ol class="ws-rule-list">
        {ruleset.rules.map((rule, i) => (
          <ClassificationRuleCard
            key={i}
            rule={rule}
            path={`${base}.rules.${i}`}
            rulesetLabel={label}
            index={i}
            count={ruleset.rules.length}
            vocabulary={vocabulary}
            error={error}
            onChange={(next) => setRules(ruleset.rules.map((r, j) => (j === i ? next : r)))}
            onMove={(by) => setRules(moveRule(ruleset.rules, i, by))}
            onRemove={() => setRules(ruleset.rules.filter((_, j) => j !== i))}
          />
        ))}
      </ol>
      <button type="button" class="ws-link-button" onClick={() => setRules([...ruleset.rules, newRule(ruleset.rules)])}>
        {t("rulesets.addRule")}
      </button>
    </li>
  );
}

function ClassificationRuleCard({
  rule,
  path,
  rulesetLabel,
  index,
  count,
  vocabulary,
  error,
  onChange,
  onMove,
  onRemove,
}: {
  rule: EditedClassificationRule;
  path: string;
  rulesetLabel: string;
  index: number;
  count: number;
  vocabulary: Vocabulary;
  error: FieldError | null;
  onChange: (rule: EditedClassificationRule) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const id = `${path.replace(/\./g, "-")}`;
  const label = rule.name || String(index + 1);
  const names = { ruleset: rulesetLabel, name: label };
  const nameError = errorAt(error, `${path}.name`);
  const outputsError = errorUnder(error, `${path}.outputs`);
  const here = errorAt(error, path);
  return (
    <li class="ws-rule" aria-label={t("rulesets.ruleLabel", { ...names, n: index + 1 })}>
      <div class="ws-rule-head">
        <span class="ws-rule-number">{index + 1}</span>
        <div class="ws-field ws-grow">
          <label for={`${id}-name`}>{t("rules.name")}</label>
          <input id={`${id}-name`} value={rule.name} aria-invalid={nameError ? true : undefined} onInput={(e) => onChange({ ...rule, name: (e.target as HTMLInputElement).value })} />
          {nameError && <p role="alert" class="ws-error">{nameError}</p>}
        </div>
        <OrderTools index={index} count={count} onMove={onMove} onRemove={onRemove} labels={{ up: t("rulesets.ruleMoveUp", names), down: t("rulesets.ruleMoveDown", names), remove: t("rulesets.ruleRemove", names) }} />
      </div>
      {here && <p role="alert" class="ws-error">{here}</p>}
      <div class="ws-condition-root">
        <ConditionNode
          condition={rule.condition}
          path={`${path}.condition`}
          vocabulary={vocabulary}
          error={error}
          ruleLabel={label}
          onChange={(condition) => onChange({ ...rule, condition })}
        />
      </div>
      <fieldset class="ws-fieldset">
        <legend>{t("rulesets.outputs", names)}</legend>
        <p class="ws-hint">{t("rulesets.outputsHint")}</p>
        <VariableRows
          rows={rule.outputs}
          onChange={(outputs) => onChange({ ...rule, outputs })}
          nameLabel={t("rulesets.outputName")}
          removeLabel={(name) => t("rulesets.outputRemove", { name })}
          addLabel={t("rulesets.outputAdd")}
        />
        {outputsError && <p role="alert" class="ws-error">{outputsError}</p>}
      </fieldset>
    </li>
  );
}

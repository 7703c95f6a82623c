import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import { useI18n } from "../../i18n";
import { MenuKeysList } from "../accounts/menuKeys";
import { formatRequired, parseRequired } from "../skills";
import { ConditionNode } from "./ConditionEditor";
import {
  apiError,
  editedRulesets,
  errorAt,
  errorUnder,
  freshRuleName,
  moveRule,
  newComparison,
  rulesetsBody,
  type EditedRuleset,
  type FieldError,
  type Queue,
  type Rule,
  type Share,
  type RouteTestResult,
  type Vocabulary,
  type Workstream,
} from "./model";
import { OrderTools } from "./OrderTools";
import { RouteTest } from "./RouteTest";
import { RulesetsEditor } from "./RulesetsEditor";
import { useCatalog, WorkstreamTabs } from "./WorkstreamsPage";

export function RulesEditor({ api, workstreamId }: { api: Api; workstreamId: string }) {
  const { t } = useI18n();
  const [revision, setRevision] = useState(0);
  const { catalog, error: loadError } = useCatalog(api, revision);
  const ws = catalog?.workstreams.find((w) => w.id === workstreamId);
  const [vocabulary, setVocabulary] = useState<Vocabulary | null>(null);
  const [vocabError, setVocabError] = useState<FieldError | null>(null);
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [rulesets, setRulesets] = useState<EditedRuleset[] | null>(null);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<FieldError | null>(null);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<RouteTestResult | null>(null);

  useEffect(() => {
    api.GET("/api/admin/routing/fields").then(
      ({ data, error }) => (data ? setVocabulary(data) : setVocabError(apiError(error, t("rules.vocabularyFailed")))),
      () => setVocabError({ message: t("rules.vocabularyFailed") }),
    );
  }, [api]);
  useEffect(() => {
    if (ws && !dirty) {
      setRules(ws.routingRules as Rule[]);
      setRulesets(editedRulesets(ws.classificationRulesets ?? []));
    }
  }, [ws]);

  const edited = () => {
    setDirty(true);
    setSaved(false);
    setResult(null);
  };
  const update = (next: Rule[]) => {
    setRules(next);
    edited();
  };
  const updateRulesets = (next: EditedRuleset[]) => {
    setRulesets(next);
    edited();
  };
  const save = async () => {
    if (!rules || !rulesets || !ws) return;
    setSaving(true);
    const { data, error } = await api.PATCH("/api/admin/workstreams/{id}", {
      params: { path: { id: ws.id } },
      body: { routingRules: rules, classificationRulesets: rulesetsBody(rulesets) } as never,
    });
    setSaving(false);
    if (error || !data) return setError(apiError(error, t("rules.saveFailed")));
    setError(null);
    setDirty(false);
    setSaved(true);
    setRules(data.routingRules as Rule[]);
    setRulesets(editedRulesets((data as unknown as Workstream).classificationRulesets ?? []));
    setRevision((r) => r + 1);
  };

  const ready = catalog && ws && vocabulary && rules && rulesets;
  const placedError = error?.field?.startsWith("routingRules.") || error?.field?.startsWith("classificationRulesets") ? null : error;
  return (
    <main class="page ws-page ws-wide">
      <WorkstreamTabs id={workstreamId} current="rules" />
      <MenuKeysList api={api} accountId={ws?.accountId} />
      <h1>{ws ? t("rules.titleFor", { name: ws.name }) : t("rules.title")}</h1>
      {(loadError ?? vocabError) && <p role="alert" class="error">{(loadError ?? vocabError)!.message}</p>}
      {!(catalog && vocabulary) && !(loadError ?? vocabError) && <p role="status">{t("common.loading")}</p>}
      {catalog && !ws && <p role="alert" class="error">{t("workstreams.notFound")}</p>}
      {ready && (
        <div class="ws-rules-layout">
          <section class="ws-rules" aria-labelledby="rules-heading">
            <h2 id="rules-heading" class="ws-visually-hidden">{t("rules.title")}</h2>
            <details class="ws-rulesets" open={rulesets.length > 0 || !!error?.field?.startsWith("classificationRulesets")}>
              <summary>{t("rules.rulesets")}</summary>
              <p class="ws-hint">{t("rules.rulesetsHint")}</p>
              <RulesetsEditor rulesets={rulesets} vocabulary={vocabulary} error={error} onChange={updateRulesets} />
            </details>
            <p class="ws-hint">{t("rules.intro", { queue: catalog.queues.find((q) => q.id === ws.fallbackQueueId)?.name ?? ws.fallbackQueueId })}</p>
            {rules.length === 0 && <p class="ws-empty">{t("rules.empty")}</p>}
            <ol class="ws-rule-list">
              {rules.map((rule, index) => (
                <RuleCard
                  key={index}
                  rule={rule}
                  index={index}
                  count={rules.length}
                  queues={catalog.queues}
                  vocabulary={vocabulary}
                  error={error}
                  matched={result?.ruleIndex === index}
                  onChange={(next) => update(rules.map((r, i) => (i === index ? next : r)))}
                  onMove={(by) => update(moveRule(rules, index, by))}
                  onRemove={() => update(rules.filter((_, i) => i !== index))}
                />
              ))}
            </ol>
            {errorAt(error, "routingRules") && <p role="alert" class="ws-error">{error!.message}</p>}
            <div class="ws-actions">
              <button
                type="button"
                class="ws-button"
                onClick={() =>
                  update([
                    ...rules,
                    {
                      name: freshRuleName(rules, t("rules.defaultName")),
                      condition: { all: [newComparison(vocabulary)] },
                      queueId: catalog.queues[0]?.id ?? ws.fallbackQueueId,
                    },
                  ])
                }
              >
                {t("rules.addRule")}
              </button>
              <span class="ws-spacer" />
              {placedError && <p role="alert" class="ws-error">{placedError.message}</p>}
              {saved && <p role="status" class="notice">{t("rules.saved")}</p>}
              {dirty && !saved && <p class="ws-hint">{t("rules.unsaved")}</p>}
              <button type="button" class="ws-button ws-primary" onClick={save} disabled={saving || !dirty}>
                {saving ? t("common.saving") : t("rules.save")}
              </button>
            </div>
            <details class="ws-json">
              <summary>{t("rules.json")}</summary>
              <pre aria-label={t("rules.json")}>{JSON.stringify({ classificationRulesets: rulesetsBody(rulesets), routingRules: rules }, null, 2)}</pre>
            </details>
          </section>
          <RouteTest
            api={api}
            workstream={ws}
            rules={rules}
            rulesets={rulesetsBody(rulesets)}
            dirty={dirty}
            result={result}
            onResult={setResult}
            onRulesError={setError}
          />
        </div>
      )}
    </main>
  );
}

function AllocationEditor({ id, shares, queues, label, onChange }: { id: string; shares: Share[]; queues: Queue[]; label: string; onChange: (shares: Share[]) => void }) {
  const { t } = useI18n();
  const total = shares.reduce((sum, s) => sum + (Number(s.percent) || 0), 0);
  return (
    <fieldset class="ws-fieldset ws-allocation">
      <legend>{t("rules.allocation", { name: label })}</legend>
      {shares.map((share, i) => (
        <div class="ws-inline" key={i}>
          <select aria-label={t("rules.allocationQueue", { n: i + 1 })} value={share.queueId} onChange={(e) => onChange(shares.map((s, j) => (j === i ? { ...s, queueId: (e.target as HTMLSelectElement).value } : s)))}>
            {queues.map((q) => (
              <option key={q.id} value={q.id}>{q.name}</option>
            ))}
          </select>
          <input id={`${id}-share-${i}`} type="number" min={1} max={99} aria-label={t("rules.allocationPercent", { n: i + 1 })} value={share.percent} onInput={(e) => onChange(shares.map((s, j) => (j === i ? { ...s, percent: Number((e.target as HTMLInputElement).value) } : s)))} />
          <span>%</span>
          {shares.length > 2 && (
            <button type="button" class="ws-icon ws-danger" aria-label={t("rules.allocationRemove", { n: i + 1 })} onClick={() => onChange(shares.filter((_, j) => j !== i))}>✕</button>
          )}
        </div>
      ))}
      <p class="ws-hint">{t("rules.allocationTotal", { total })}</p>
      {shares.length < 5 && (
        <button type="button" class="ws-link-button" onClick={() => onChange([...shares, { queueId: queues[0]?.id ?? "", percent: 0 }])}>
          {t("rules.allocationAdd")}
        </button>
      )}
    </fieldset>
  );
}

function RuleCard({
  rule,
  index,
  count,
  queues,
  vocabulary,
  error,
  matched,
  onChange,
  onMove,
  onRemove,
}: {
  rule: Rule;
  index: number;
  count: number;
  queues: Queue[];
  vocabulary: Vocabulary;
  error: FieldError | null;
  matched: boolean;
  onChange: (rule: Rule) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const base = `routingRules.${index}`;
  const id = `rule-${index}`;
  const label = rule.name || String(index + 1);
  const nameError = errorAt(error, `${base}.name`);
  const queueError = errorAt(error, `${base}.queueId`);
  const priorityError = errorAt(error, `${base}.priority`);
  const allocationError = errorUnder(error, `${base}.allocation`);
  const skillsError = errorUnder(error, `${base}.skills`);
  const ruleError = errorAt(error, base);
  return (
    <li class={"ws-rule" + (matched ? " ws-matched" : "")} aria-label={t("rules.ruleLabel", { n: index + 1, name: label })}>
      <div class="ws-rule-head">
        <span class="ws-rule-number">{index + 1}</span>
        <div class="ws-field ws-grow">
          <label for={`${id}-name`}>{t("rules.name")}</label>
          <input id={`${id}-name`} value={rule.name} aria-invalid={nameError ? true : undefined} onInput={(e) => onChange({ ...rule, name: (e.target as HTMLInputElement).value })} />
          {nameError && <p role="alert" class="ws-error">{nameError}</p>}
        </div>
        <div class="ws-field">
          <label for={`${id}-queue`}>{t("rules.queue")}</label>
          {!rule.allocation && (
            <select id={`${id}-queue`} value={rule.queueId ?? ""} aria-invalid={queueError ? true : undefined} onChange={(e) => onChange({ ...rule, queueId: (e.target as HTMLSelectElement).value })}>
              {!queues.some((q) => q.id === rule.queueId) && <option value={rule.queueId ?? ""}>{rule.queueId}</option>}
              {queues.map((q) => (
                <option key={q.id} value={q.id}>{q.name}</option>
              ))}
            </select>
          )}
          <label class="ws-inline">
            <input type="checkbox" checked={!!rule.allocation} onChange={(e) => { const on = (e.target as HTMLInputElement).checked; const first = rule.queueId ?? queues[0]?.id ?? ""; const second = queues.find((q) => q.id !== first)?.id ?? first; onChange(on ? { ...rule, queueId: null, allocation: [{ queueId: first, percent: 50 }, { queueId: second, percent: 50 }] } : { ...rule, queueId: rule.allocation?.[0]?.queueId ?? first, allocation: null }); }} />
            {t("rules.splitByPercent")}
          </label>
          {rule.allocation && (
            <AllocationEditor id={id} shares={rule.allocation} queues={queues} label={label} onChange={(allocation) => onChange({ ...rule, allocation })} />
          )}
          {allocationError && <p role="alert" class="ws-error">{allocationError}</p>}
          {queueError && <p role="alert" class="ws-error">{queueError}</p>}
        </div>
        <OrderTools index={index} count={count} onMove={onMove} onRemove={onRemove} labels={{ up: t("rules.moveUp", { name: label }), down: t("rules.moveDown", { name: label }), remove: t("rules.remove", { name: label }) }} />
      </div>
      {matched && <p class="ws-matched-note">{t("rules.matchedHere")}</p>}
      {ruleError && <p role="alert" class="ws-error">{ruleError}</p>}
      <div class="ws-condition-root">
        <ConditionNode
          condition={rule.condition}
          path={`${base}.condition`}
          vocabulary={vocabulary}
          error={error}
          ruleLabel={label}
          onChange={(condition) => onChange({ ...rule, condition })}
        />
      </div>
      <details class="ws-rule-more">
        <summary>{t("rules.more")}</summary>
        <div class="ws-row">
          <div class="ws-field">
            <label for={`${id}-priority`}>{t("rules.priority")}</label>
            <input id={`${id}-priority`} type="number" min={0} max={1000} value={rule.priority ?? ""} aria-invalid={priorityError ? true : undefined} onInput={(e) => { const v = (e.target as HTMLInputElement).value; onChange({ ...rule, priority: v === "" ? null : Number(v) }); }} />
            <p class="ws-hint">{t("rules.priorityHint")}</p>
            {priorityError && <p role="alert" class="ws-error">{priorityError}</p>}
          </div>
          <div class="ws-field ws-grow">
            <label for={`${id}-skills`}>{t("rules.skills")}</label>
            <input id={`${id}-skills`} value={formatRequired(rule.skills)} onChange={(e) => onChange({ ...rule, skills: parseRequired((e.target as HTMLInputElement).value) })} />
            <p class="ws-hint">{t("rules.skillsHint")}</p>
            {skillsError && <p role="alert" class="ws-error">{skillsError}</p>}
          </div>
        </div>
      </details>
    </li>
  );
}

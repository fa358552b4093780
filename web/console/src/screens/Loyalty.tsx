import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { LoyaltyService, requestId } from "../api";
import { TierBasis, type Program } from "@gen/crm/loyalty/v1/program_pb.js";
import { RedemptionState, type Redemption } from "@gen/crm/loyalty/v1/reward_pb.js";
import { ErrorBox, Field, Loading, Section, problemOrUndefined } from "../ui";
import { canMarkUsed, normaliseCode, stateLabel, stateTime } from "../redemptions";
import { fieldError } from "../errors";
import { day, idOf, label, parseMoney, when } from "../format";
import { Link, useLocation } from "../router";

/** Loyalty programs: tiers, earning rules with a preview, rewards with stock, redemptions; a shop's check of a reward code. */
export function Loyalty() {
  const { params } = useLocation();
  const q = useQuery(LoyaltyService.method.listPrograms, { pageSize: 50 });
  const chosen = q.data?.programs.find((p) => idOf(p.name) === params.get("program")) ?? q.data?.programs[0];
  return (
    <>
      <h1>Loyalty</h1>
      <CheckCode />
      {q.isPending && <Loading what="the programs" />}
      <ErrorBox error={q.error} title="The programs could not be read" />
      {q.data?.programs.length === 0 && <p>No program yet.</p>}
      {q.data && q.data.programs.length > 1 && (
        <nav className="tabs" aria-label="Programs">
          {q.data.programs.map((p) => (
            <Link key={p.name} to={`/loyalty?program=${idOf(p.name)}`} aria-current={p === chosen ? "page" : undefined}>{p.displayName}</Link>
          ))}
        </nav>
      )}
      {chosen && <ProgramView program={chosen} />}
    </>
  );
}

function ProgramView({ program: p }: { program: Program }) {
  return (
    <div className="grid">
      <Section title={p.displayName}>
        <dl className="facts">
          <dt>Currency</dt><dd>{p.currencyCode}</dd>
          <dt>Points per unit</dt><dd>{p.pointsPerUnit}</dd>
          <dt>Tiers by</dt><dd>{label(TierBasis, p.tierBasis, "TIER_BASIS_")}</dd>
          <dt>Points valid</dt><dd>{p.pointsValidityMonths ? `${p.pointsValidityMonths} months` : "forever"}</dd>
          <dt>Pending</dt><dd>{p.pendingDays} days</dd>
          <dt>Enrolment</dt><dd>{p.autoEnrol ? "automatic at the first purchase" : "by request"}</dd>
        </dl>
        <h3>Tiers</h3>
        <table className="compact">
          <thead><tr><th>Tier</th><th className="num">From</th><th className="num">Multiplier</th></tr></thead>
          <tbody>
            {p.tiers.map((t) => (
              <tr key={t.id}>
                <td>{t.displayName || t.id}</td>
                <td className="num">{p.tierBasis === TierBasis.SPEND ? `${p.currencyCode} ${String(t.minQualifyingSpend)}` : `${String(t.minQualifyingPoints)} points`}</td>
                <td className="num">×{t.multiplier || 1}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Earning rules</h3>
        <ul className="plain">
          {p.earningRules.map((r) => (
            <li key={r.id}><strong>{r.description || r.id}</strong>: when <code>{r.condition || "true"}</code>, <code>{r.points}</code></li>
          ))}
          {p.earningRules.length === 0 && <li>Only the base rate.</li>}
        </ul>
      </Section>
      <EarningPreview program={p} />
      <Rewards program={p} />
      <Redemptions program={p} />
    </div>
  );
}

function EarningPreview({ program: p }: { program: Program }) {
  const [amount, setAmount] = useState("100");
  const [customer, setCustomer] = useState("");
  const [amountError, setAmountError] = useState<string>();
  const preview = useMutation(LoyaltyService.method.previewEarning);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m = parseMoney(p.currencyCode, amount);
    if (!m) { setAmountError("an amount such as 49.90"); return; }
    setAmountError(undefined);
    preview.mutate({ program: p.name, customer: customer.trim() ? `customers/${idOf(customer.trim())}` : "", purchase: { orderId: "preview", amount: m, itemCount: 1n } });
  };
  const problem = problemOrUndefined(preview.error);
  return (
    <Section title="What a purchase earns">
      <form onSubmit={submit} className="row" aria-label="Preview earning">
        <Field label={`Amount (${p.currencyCode})`} error={amountError ?? fieldError(problem, "amount")}>
          <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} size={8} />
        </Field>
        <Field label="Customer id (optional)" error={fieldError(problem, "customer")}>
          <input value={customer} onChange={(e) => setCustomer(e.target.value)} size={12} />
        </Field>
        <button type="submit" disabled={preview.isPending}>Preview</button>
      </form>
      {problem && <ErrorBox error={preview.error} title="No preview" />}
      {preview.data && (
        <p role="status">
          <strong>{String(preview.data.points)} points</strong>: base {preview.data.base} × {preview.data.multiplier}
          {preview.data.capped && " (capped)"}
          {preview.data.debtRepaid > 0n && `, ${String(preview.data.debtRepaid)} repay debt`}
          {preview.data.rules.length > 0 && <> · rules: {preview.data.rules.map((r) => `${r.rule} ${r.matched ? `+${String(r.points)}` : "not matched"}${r.error ? ` (${r.error})` : ""}`).join(", ")}</>}
        </p>
      )}
    </Section>
  );
}

function Rewards({ program: p }: { program: Program }) {
  const q = useQuery(LoyaltyService.method.listRewards, { program: p.name, pageSize: 100 });
  return (
    <Section title="Rewards">
      {q.isPending && <Loading what="the rewards" />}
      <ErrorBox error={q.error} title="The rewards could not be read" />
      <table className="compact">
        <thead><tr><th>Reward</th><th className="num">Points</th><th className="num">Stock</th><th className="hide-narrow">Cancel within</th></tr></thead>
        <tbody>
          {q.data?.rewards.map((r) => (
            <tr key={r.name} className={r.active ? "" : "inactive"}>
              <td>{r.displayName}{!r.active && " (inactive)"}</td>
              <td className="num">{String(r.pointsPrice)}</td>
              <td className="num">{r.stock === undefined ? "unlimited" : String(r.stock)}</td>
              <td className="hide-narrow">{r.cancelWindowDays} days</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Redemptions({ program: p }: { program: Program }) {
  const qc = useQueryClient();
  const q = useQuery(LoyaltyService.method.listRedemptions, { program: p.name, pageSize: 50 });
  const cancel = useMutation(LoyaltyService.method.cancelRedemption, { onSuccess: () => qc.invalidateQueries() });
  return (
    <Section title="Redemptions">
      {q.isPending && <Loading what="the redemptions" />}
      <ErrorBox error={q.error} title="The redemptions could not be read" />
      <ErrorBox error={cancel.error} title="Not cancelled" />
      {q.data?.redemptions.length === 0 && <p>No redemption yet.</p>}
      <table className="compact">
        <thead><tr><th>When</th><th>Customer</th><th>Code</th><th className="num">Points</th><th>State</th><th></th></tr></thead>
        <tbody>
          {q.data?.redemptions.map((r) => (
            <tr key={r.name}>
              <td>{day(r.createTime)}</td>
              <td><Link to={`/customers/${idOf(r.customer)}`}>{idOf(r.customer)}</Link></td>
              <td><code>{r.code}</code></td>
              <td className="num">{String(r.points)}</td>
              <td>{label(RedemptionState, r.state, "REDEMPTION_STATE_")}</td>
              <td>
                {r.state === RedemptionState.ISSUED && r.cancelDeadline && Number(r.cancelDeadline.seconds) * 1000 > Date.now() && (
                  <button type="button" className="small" disabled={cancel.isPending} onClick={() => cancel.mutate({ name: r.name })} title={`until ${when(r.cancelDeadline)}`}>Cancel</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/**
 * A shop checks a reward code and marks it used: the reward, the customer
 * and where the code stands. A refused use (another till was quicker) is
 * shown as the API says it, and the code read again.
 */
function CheckCode() {
  const qc = useQueryClient();
  const [code, setCode] = useState("");
  const [shown, setShown] = useState<Redemption>();
  const lookup = useMutation(LoyaltyService.method.lookupRedemption, { onSuccess: (r) => setShown(r.redemption) });
  const use = useMutation(LoyaltyService.method.useRedemption, {
    onSuccess: (r) => { setShown(r.redemption); void qc.invalidateQueries(); },
    onError: () => { if (shown) lookup.mutate({ code: shown.code }); },
  });
  const check = (e: FormEvent) => {
    e.preventDefault();
    setShown(undefined);
    use.reset();
    lookup.mutate({ code: normaliseCode(code) });
  };
  const problem = problemOrUndefined(lookup.error);
  const at = shown && stateTime(shown);
  return (
    <Section title="Check a code">
      <form onSubmit={check} className="row" aria-label="Check a code">
        <Field label="Reward code" error={fieldError(problem, "code")} hint="as the customer shows it, e.g. ABCDE-FGH23-JK4MN">
          <input value={code} onChange={(e) => setCode(e.target.value)} size={19} autoComplete="off" spellCheck={false} autoCapitalize="characters" />
        </Field>
        <button type="submit" disabled={lookup.isPending}>Check</button>
      </form>
      {lookup.isPending && <Loading what="the code" />}
      {problem && !fieldError(problem, "code") && <ErrorBox error={lookup.error} title="The code could not be checked" />}
      <ErrorBox error={use.error} title="Not marked used" />
      {shown && (
        <div role="status" aria-label="The code">
          <dl className="facts">
            <dt>Code</dt><dd><code>{shown.code}</code></dd>
            <dt>Reward</dt><dd><RewardName program={shown.program} reward={shown.reward} /> ({String(shown.points)} points)</dd>
            <dt>Customer</dt><dd><Link to={`/customers/${idOf(shown.customer)}`}>{idOf(shown.customer)}</Link></dd>
            <dt>State</dt><dd data-testid="code-state"><strong>{stateLabel(shown.state)}</strong>{at && ` ${when(at)}`}</dd>
          </dl>
          {canMarkUsed(shown) && (
            <button type="button" disabled={use.isPending} onClick={() => use.mutate({ code: shown.code, requestId: requestId() })}>Mark used</button>
          )}
        </div>
      )}
    </Section>
  );
}

/** A reward's display name, read from its program's catalogue (its name until then). */
function RewardName({ program, reward }: { program: string; reward: string }) {
  const q = useQuery(LoyaltyService.method.listRewards, { program, pageSize: 100 });
  return <>{q.data?.rewards.find((r) => r.name === reward)?.displayName ?? reward}</>;
}

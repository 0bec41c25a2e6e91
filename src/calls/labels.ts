/**
 * Texts of the call sequences: the short label of each step (what the sidebar draws on an
 * arrow) and a whole call as Mermaid `sequenceDiagram` text, in the notation of the vendor
 * documents (operation `->>`, response and process events `-->>`, notes for outcomes).
 */
import type { CallView, Step } from './api';

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function short(v: unknown, max = 24): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s === undefined) return '';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `op(a=1, b=2)` with at most three parameters. */
function call(name: string, params: unknown): string {
  if (!isRec(params)) return `${name}()`;
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  const shown = entries.slice(0, 3).map(([k, v]) => `${k}=${short(v, 18)}`);
  if (entries.length > 3) shown.push('…');
  return `${name}(${shown.join(', ')})`;
}

export function stepLabel(step: Omit<Step, 'label'>): string {
  const d = isRec(step.data) ? step.data : {};
  switch (step.kind) {
    case 'request':
      return call(step.name, step.data);
    case 'response': {
      const code = typeof d.code === 'number' ? d.code : '?';
      if (code === 0) return `${step.name} ${code}`;
      const err = d.errorCode ? ` ${String(d.errorCode)}` : '';
      const msg = d.message ? `: ${short(d.message, 40)}` : '';
      return `${step.name} refused ${code}${err}${msg}`;
    }
    case 'outcome': {
      const outcome = String(d.outcome ?? '?');
      const reason = d.reason ? ` (${String(d.reason)})` : '';
      return `${step.name}: ${outcome}${outcome === 'failed' ? reason : ''}`;
    }
    default:
      return `${step.name}${eventDetail(step.name, d)}`;
  }
}

function eventDetail(name: string, d: Rec): string {
  const parts: string[] = [];
  if (typeof d.result === 'number' && (d.result !== 0 || name.endsWith('Result'))) {
    parts.push(`result=${d.result}`);
  }
  if (typeof d.close_cause === 'string') parts.push(d.close_cause);
  else if (typeof d.state === 'string' && d.state) parts.push(d.state);
  if (typeof d.number === 'string' && name !== 'call_set_state') parts.push(d.number);
  if (typeof d.reason === 'string' && d.reason) parts.push(d.reason);
  return parts.length ? ` ${parts.map((p) => short(p, 28)).join(' ')}` : '';
}

/** Mermaid does not allow `;` `#` or line breaks in a message; `:` only after the arrow. */
function text(s: string): string {
  return s.replace(/[;#\r\n]+/g, ' ').trim();
}

function participant(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A call as Mermaid text (for a ticket or the docs). */
export function toMermaid(view: CallView): string {
  const lines = ['sequenceDiagram'];
  lines.push(`  %% ${text(view.title)} (${view.state})`);
  for (const lane of view.lanes) {
    lines.push(`  participant ${participant(lane.id)} as ${text(lane.label)}`);
  }
  for (const s of view.steps) {
    const from = participant(s.from);
    const to = participant(s.to);
    if (from === to) {
      lines.push(`  Note over ${from}: ${text(s.label)}`);
      continue;
    }
    const arrow =
      s.kind === 'request' || s.family === 'dialog' || s.from !== 'platform' ? '->>' : '-->>';
    lines.push(`  ${from}${arrow}${to}: ${text(s.label)}`);
  }
  if (view.dropped > 0) lines.push(`  Note over platform: ${view.dropped} more steps not recorded`);
  return lines.join('\n') + '\n';
}

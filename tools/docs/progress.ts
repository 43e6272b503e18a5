/**
 * The learner's progress as the served site shows it: the katas passed from the CLI's
 * `.kubekata/state.json` (`{ "passed": { "01": { "at": ... } } }`) and the components borrowed from
 * `katas/progress.json` (`{ "borrowed": ["etcd"], "hints": {...} }`; a workbook not yet migrated
 * still has them in state.json). Read-only and defensive: a missing, unreadable or odd file is
 * simply no progress (the CLI, not the site, repairs it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKataProgress } from '../lib/targets.ts';

/** What `/progress.json` answers: the katas passed and the components borrowed. */
export interface Progress {
  /** kata numbers, two digits: ["01", "02"] */
  passed: string[];
  /** components whose reference stands in: ["etcd"] */
  borrowed: string[];
}

/** Reads the progress of the workbook at `root`; anything missing or malformed counts as no progress. */
export function readProgress(root: string): Progress {
  const committed = readKataProgress(join(root, 'katas'));
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(root, '.kubekata', 'state.json'), 'utf8'));
  } catch {
    return { passed: [], borrowed: committed?.borrowed ?? [] };
  }
  if (typeof raw !== 'object' || raw === null) return { passed: [], borrowed: committed?.borrowed ?? [] };
  const state = raw as { passed?: unknown; borrowed?: unknown };
  let passed: string[] = [];
  if (Array.isArray(state.passed)) passed = state.passed.map(String);
  else if (typeof state.passed === 'object' && state.passed !== null) passed = Object.keys(state.passed);
  const borrowed = committed?.borrowed ?? (Array.isArray(state.borrowed) ? state.borrowed.filter((b): b is string => typeof b === 'string') : []);
  return {
    passed: [...new Set(passed.filter((n) => /^\d{1,2}$/.test(n)).map((n) => n.padStart(2, '0')))].sort(),
    borrowed,
  };
}
